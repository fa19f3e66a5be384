import { isIP } from 'node:net';
import { DomainError } from '../../common/errors/domain-error';
import { quoteArg } from '../../common/shell/shell-quote';

/**
 * Where install_agent puts things on a server, and the fixed shell scripts it runs there. The
 * scripts take no input from callers: values (the backend URL, the one-time code) travel as file
 * contents on stdin, never inside a command line.
 */
export const REMOTE = {
  dir: '/opt/tomo-agent',
  bundle: '/opt/tomo-agent/tomo-agent.cjs',
  runtime: '/opt/tomo-agent/node',
  launcher: '/opt/tomo-agent/tomo-agent',
  supervisor: '/opt/tomo-agent/supervise',
  configDir: '/etc/tomo-agent',
  envFile: '/etc/tomo-agent/agent.env',
  stateDir: '/var/lib/tomo-agent',
  stateFile: '/var/lib/tomo-agent/state.json',
  unit: '/etc/systemd/system/tomo-agent.service',
  pidFile: '/run/tomo-agent.pid',
  log: '/var/log/tomo-agent.log',
} as const;

/** The oldest Node.js the daemon runs on (its bundle targets node20). */
export const MIN_NODE_MAJOR = 20;

/** What install_agent needs to know about the server before it copies anything. */
export const AGENT_HOST_PROBE = [
  '(',
  `printf 'arch=%s\\n' "$(uname -m)";`,
  `printf 'uid=%s\\n' "$(id -u)";`,
  'if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then echo systemd=1; else echo systemd=0; fi;',
  `if command -v node >/dev/null 2>&1; then printf 'node=%s\\n' "$(node --version 2>/dev/null)"; printf 'node_path=%s\\n' "$(command -v node)"; fi;`,
  'if command -v gzip >/dev/null 2>&1; then echo gzip=1; fi;',
  'if command -v setsid >/dev/null 2>&1; then echo setsid=1; fi;',
  `if [ "$(id -u)" != 0 ]; then if sudo -n true 2>/dev/null; then echo sudo=1; else echo sudo=0; fi; fi;`,
  `if [ -f ${REMOTE.runtime} ]; then printf 'runtime_sha256=%s\\n' "$(sha256sum ${REMOTE.runtime} 2>/dev/null | cut -d' ' -f1)"; fi`,
  ')',
].join(' ');

export interface AgentHost {
  /** `uname -m`: x86_64, aarch64, armv7l… */
  arch: string | null;
  isRoot: boolean;
  canSudo: boolean;
  systemd: boolean;
  /** Major version of the server's own `node`, when it has one. */
  nodeMajor: number | null;
  nodePath: string | null;
  gzip: boolean;
  setsid: boolean;
  /** sha256 of an already installed runtime, to skip copying it again. */
  runtimeSha256: string | null;
}

export function parseAgentHost(output: string): AgentHost {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const nodeMajor = /^v(\d+)\./.exec(values.get('node') ?? '');
  const nodePath = values.get('node_path');
  return {
    arch: values.get('arch') || null,
    isRoot: values.get('uid') === '0',
    canSudo: values.get('sudo') === '1',
    systemd: values.get('systemd') === '1',
    nodeMajor: nodeMajor ? Number(nodeMajor[1]) : null,
    nodePath: nodePath && nodePath.startsWith('/') ? nodePath : null,
    gzip: values.get('gzip') === '1',
    setsid: values.get('setsid') === '1',
    runtimeSha256: /^[0-9a-f]{64}$/.test(values.get('runtime_sha256') ?? '')
      ? (values.get('runtime_sha256') ?? null)
      : null,
  };
}

/** Node's `process.arch` for a `uname -m`. */
export function nodeArchOf(unameMachine: string | null): string | null {
  const map: Record<string, string> = {
    x86_64: 'x64',
    amd64: 'x64',
    aarch64: 'arm64',
    arm64: 'arm64',
    armv7l: 'arm',
    ppc64le: 'ppc64',
    s390x: 's390x',
  };
  return unameMachine ? (map[unameMachine] ?? null) : null;
}

/** A one-line command run as root: directly for root, through `sudo -n` otherwise. */
export function asRoot(command: string, host: Pick<AgentHost, 'isRoot'>): string {
  return host.isRoot ? `sh -c ${quoteArg(command)}` : `sudo -n sh -c ${quoteArg(command)}`;
}

/** A root shell reading its (multi-line) script from stdin. */
export function rootShell(host: Pick<AgentHost, 'isRoot'>): string {
  return host.isRoot ? 'sh -s' : 'sudo -n sh -s';
}

/**
 * Writes stdin to `path` with `mode`, atomically (a temporary file renamed into place), after
 * creating its directory. With `gunzip`, stdin is gzip-compressed.
 */
export function writeFileScript(path: string, mode: string, gunzip = false): string {
  const dir = path.slice(0, path.lastIndexOf('/'));
  const temporary = `${path}.tomo-upload`;
  const read = gunzip ? 'gzip -dc' : 'cat';
  return `umask 077 && mkdir -p ${dir} && ${read} > ${temporary} && chmod ${mode} ${temporary} && mv -f ${temporary} ${path}`;
}

/** Prints the sha256 of a remote file (to check an upload arrived intact). */
export function sha256Script(path: string): string {
  return `sha256sum ${path} | cut -d' ' -f1`;
}

/** The launcher: runs the bundle with the chosen Node.js. */
export function launcherScript(nodePath: string): string {
  return [
    '#!/bin/sh',
    '# Installed by Tomo (install_agent): runs the agent with its Node.js runtime.',
    `exec ${quoteArg(nodePath)} ${REMOTE.bundle} "$@"`,
    '',
  ].join('\n');
}

/**
 * The environment file both service managers read. Values are single-quoted, which systemd's
 * EnvironmentFile and a POSIX shell both understand; a value that cannot be quoted so is refused.
 */
export function envFile(serverUrl: string, code: string): string {
  const line = (name: string, value: string) => {
    if (/['\\\r\n\0]/.test(value)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `${name} cannot contain quotes, backslashes or line breaks (got ${JSON.stringify(value)}).`,
      );
    }
    return `${name}='${value}'`;
  };
  return [
    '# Installed by Tomo (install_agent). REGISTER_CODE is single-use and spent once the agent has registered.',
    line('SERVER_URL', serverUrl),
    line('REGISTER_CODE', code),
    line('TOMO_AGENT_STATE', REMOTE.stateFile),
    '',
  ].join('\n');
}

/**
 * The systemd unit. Exit codes 2 (bad usage), 3 (revoked) and 4 (registration code refused) mean
 * a restart cannot help, so systemd does not retry them.
 */
export function systemdUnit(): string {
  return [
    '# Installed by Tomo (install_agent); uninstall_agent removes it.',
    '[Unit]',
    'Description=Tomo agent',
    'After=network-online.target docker.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `EnvironmentFile=${REMOTE.envFile}`,
    `ExecStart=${REMOTE.launcher}`,
    'Restart=always',
    'RestartSec=5',
    'RestartPreventExitStatus=2 3 4',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=15',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * Where systemd is absent: a shell loop that keeps the agent running as Restart=always would,
 * except after the exit codes a restart cannot help (0 stopped, 2, 3, 4). SIGTERM stops both.
 */
export function supervisorScript(): string {
  return [
    '#!/bin/sh',
    '# Installed by Tomo (install_agent) where systemd is absent; uninstall_agent removes it.',
    'set -a',
    `. ${REMOTE.envFile}`,
    'set +a',
    `echo $$ > ${REMOTE.pidFile}`,
    'child=',
    `stop() { if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; rm -f ${REMOTE.pidFile}; exit 0; }`,
    'trap stop TERM INT',
    'while :; do',
    `  ${REMOTE.launcher} &`,
    '  child=$!',
    '  wait "$child"',
    '  code=$?',
    '  child=',
    `  case "$code" in 0|2|3|4) rm -f ${REMOTE.pidFile}; exit "$code" ;; esac`,
    '  echo "{\\"event\\":\\"supervisor.restart\\",\\"exit_code\\":$code}"',
    '  sleep 5 & wait $!',
    'done',
    '',
  ].join('\n');
}

/** Stops a running agent of either kind and waits (up to 15 s) for the supervised one to end. */
export function stopScript(): string {
  return [
    `if command -v systemctl >/dev/null 2>&1 && [ -f ${REMOTE.unit} ]; then systemctl stop tomo-agent.service 2>/dev/null || true; fi`,
    `if [ -f ${REMOTE.pidFile} ]; then pid=$(cat ${REMOTE.pidFile}); kill -TERM "$pid" 2>/dev/null || true;`,
    `  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done;`,
    `  rm -f ${REMOTE.pidFile}; fi`,
    'true',
  ].join('\n');
}

/**
 * Starts the agent with a clean state (the previous identity is useless after a new
 * registration) under systemd or the supervisor.
 */
export function startScript(host: Pick<AgentHost, 'systemd' | 'setsid'>): string {
  const reset = `${stopScript()}\nrm -f ${REMOTE.stateFile}\nmkdir -p ${REMOTE.stateDir} && chmod 700 ${REMOTE.stateDir}`;
  if (host.systemd) {
    return `${reset}\nsystemctl daemon-reload && systemctl enable tomo-agent.service >/dev/null 2>&1 && systemctl restart tomo-agent.service`;
  }
  const detach = host.setsid ? 'setsid' : 'nohup';
  return `${reset}\n${detach} ${REMOTE.supervisor} >> ${REMOTE.log} 2>&1 < /dev/null &\nsleep 0.2; [ -f ${REMOTE.pidFile} ] || sleep 1; [ -f ${REMOTE.pidFile} ]`;
}

/** The last lines the agent logged, for an error message. */
export function logTailScript(host: Pick<AgentHost, 'systemd'>): string {
  return host.systemd
    ? 'journalctl -u tomo-agent.service -n 15 --no-pager -o cat 2>&1 | tail -n 15'
    : `tail -n 15 ${REMOTE.log} 2>&1`;
}

/** Removes everything install_agent put on the server. Safe to run twice. */
export function uninstallScript(): string {
  return [
    stopScript(),
    `if command -v systemctl >/dev/null 2>&1 && [ -f ${REMOTE.unit} ]; then systemctl disable tomo-agent.service >/dev/null 2>&1 || true; rm -f ${REMOTE.unit}; systemctl daemon-reload || true; fi`,
    `rm -rf ${REMOTE.dir} ${REMOTE.configDir} ${REMOTE.stateDir} ${REMOTE.log} ${REMOTE.pidFile}`,
  ].join('\n');
}

/** localhost, 127.0.0.0/8 or ::1: an address only the machine itself reaches. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}
