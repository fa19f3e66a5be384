import { DomainError } from '../../common/errors/domain-error';
import { quoteArg } from '../../common/shell/shell-quote';
import type { HostFacts } from '../host-facts';

export interface InstallStep {
  /** Shown in progress reports and in the result. */
  title: string;
  /** A complete shell command line (already wrapped for sudo when needed). */
  command: string;
  timeoutMs: number;
  /** A failing optional step is reported, not fatal. */
  optional?: boolean;
}

export type OsFamily = 'debian' | 'fedora' | 'rhel' | 'alpine' | 'arch';

const FAMILY_OF: Record<string, OsFamily> = {
  debian: 'debian',
  ubuntu: 'debian',
  raspbian: 'debian',
  linuxmint: 'debian',
  pop: 'debian',
  fedora: 'fedora',
  rhel: 'rhel',
  centos: 'rhel',
  rocky: 'rhel',
  almalinux: 'rhel',
  ol: 'rhel',
  amzn: 'rhel',
  alpine: 'alpine',
  arch: 'arch',
  manjaro: 'arch',
  endeavouros: 'arch',
};

/** The OS family from /etc/os-release's ID, then its ID_LIKE list. */
export function osFamilyOf(facts: Pick<HostFacts, 'osId' | 'osLike'>): OsFamily | null {
  for (const id of [facts.osId, ...facts.osLike]) {
    const family = id ? FAMILY_OF[id] : undefined;
    if (family) return family;
  }
  return null;
}

const MINUTE = 60_000;

/** Package installation per family: the engine first, Compose as a best effort. */
const PACKAGES: Record<OsFamily, { engine: string; compose: string }> = {
  debian: {
    engine:
      'export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q docker.io',
    compose:
      'export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q docker-compose-v2 || apt-get install -y -q docker-compose-plugin || apt-get install -y -q docker-compose',
  },
  fedora: {
    engine: 'dnf install -y moby-engine',
    compose: 'dnf install -y docker-compose',
  },
  rhel: {
    engine:
      'if command -v dnf >/dev/null 2>&1; then dnf install -y docker || dnf install -y moby-engine; else yum install -y docker; fi',
    compose:
      'if command -v dnf >/dev/null 2>&1; then dnf install -y docker-compose-plugin || dnf install -y docker-compose; else yum install -y docker-compose; fi',
  },
  alpine: {
    engine: 'apk add --no-cache docker',
    compose: 'apk add --no-cache docker-cli-compose',
  },
  arch: {
    engine: 'pacman -Sy --noconfirm --needed docker',
    compose: 'pacman -S --noconfirm --needed docker-compose',
  },
};

/**
 * Enables and starts the daemon with the init system in charge (systemd, OpenRC, SysV), waits
 * for it, and on machines where none of them works (containers without an init) starts
 * dockerd directly, detached from the SSH session.
 */
const START_DAEMON = [
  'if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then systemctl enable --now docker;',
  'elif command -v rc-service >/dev/null 2>&1; then rc-update add docker default; rc-service docker start;',
  'elif command -v service >/dev/null 2>&1; then service docker start;',
  'fi;',
  'ready() { docker info >/dev/null 2>&1; };',
  'i=0; until ready || [ $i -ge 20 ]; do sleep 1; i=$((i+1)); done;',
  'if ! ready && command -v dockerd >/dev/null 2>&1; then',
  'echo "no working init script: starting dockerd directly";',
  '(setsid dockerd >>/var/log/dockerd.log 2>&1 </dev/null &);',
  'i=0; until ready || [ $i -ge 40 ]; do sleep 1; i=$((i+1)); done; fi;',
  'ready && echo "Docker daemon is running"',
].join(' ');

/** Runs a script as root: directly for root, through `sudo -n` (never prompting) otherwise. */
export function asRoot(script: string, isRoot: boolean): string {
  return isRoot ? `sh -c ${quoteArg(script)}` : `sudo -n sh -c ${quoteArg(script)}`;
}

export function dockerInstallPlan(facts: HostFacts): InstallStep[] {
  const family = osFamilyOf(facts);
  if (!family) {
    throw new DomainError(
      'UNSUPPORTED_OS',
      `install_docker supports Debian/Ubuntu, Fedora/RHEL family, Alpine and Arch; this server runs ${facts.os ?? facts.osId ?? 'an unknown OS'}. Install Docker by hand, then run verify_docker.`,
    );
  }
  const packages = PACKAGES[family];
  return [
    {
      title: `Install the Docker engine (${family} packages)`,
      command: asRoot(packages.engine, facts.isRoot),
      timeoutMs: 15 * MINUTE,
    },
    {
      title: 'Install Docker Compose',
      command: asRoot(packages.compose, facts.isRoot),
      timeoutMs: 10 * MINUTE,
      optional: true,
    },
    {
      title: 'Enable and start the Docker daemon',
      command: asRoot(START_DAEMON, facts.isRoot),
      timeoutMs: 2 * MINUTE,
    },
  ];
}
