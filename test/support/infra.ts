import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Suites that need real infrastructure (an sshd, a Docker daemon) declare it here. When it is
 * missing they skip loudly, or fail when `TOMO_REQUIRE_INFRA=1` (CI sets it, so a provisioning
 * regression cannot turn into a silently green run). See docs/testing.md.
 */

export type DescribeLike = (title: string, body: () => void) => void;

export interface InfraRequirement {
  /** Short name for messages, e.g. `sshd`. */
  name: string;
  available: boolean;
  /** What is needed and how to get it, e.g. `needs /usr/sbin/sshd and root (scripts/provision-ssh.sh)`. */
  reason: string;
}

export const SSHD_REASON = 'needs /usr/sbin/sshd and root (scripts/provision-ssh.sh)';
export const DOCKER_REASON = 'needs a Docker daemon answering `docker info`';

export function infraRequired(): boolean {
  return process.env.TOMO_REQUIRE_INFRA === '1';
}

/** OpenSSH's server is installed and we may create users and start it (root). */
export function sshdAvailable(): boolean {
  return (
    existsSync('/usr/sbin/sshd') && existsSync('/usr/bin/ssh-keygen') && process.getuid?.() === 0
  );
}

let docker: boolean | undefined;

/** The docker CLI reaches a daemon (`docker info`, 10 s timeout). Cached per test file. */
export function dockerAvailable(): boolean {
  if (docker === undefined) {
    try {
      execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
        stdio: 'ignore',
        timeout: 10_000,
      });
      docker = true;
    } catch {
      docker = false;
    }
  }
  return docker;
}

export function sshdRequirement(): InfraRequirement {
  return { name: 'sshd', available: sshdAvailable(), reason: SSHD_REASON };
}

export function dockerRequirement(): InfraRequirement {
  return { name: 'docker', available: dockerAvailable(), reason: DOCKER_REASON };
}

function missingMessage(title: string, missing: InfraRequirement[]): string {
  const what = missing.map((r) => `${r.name} (${r.reason})`).join(', ');
  return `${title}: missing infrastructure: ${what}`;
}

/**
 * Returns `describe` when every requirement is met. Otherwise returns a describe-like function
 * that, under `TOMO_REQUIRE_INFRA=1`, registers the suite as one failing test (its `beforeAll`
 * throws) and, without it, prints `SKIPPED <suite>: <reason>` and registers the suite with
 * `describe.skip`, the reason in its title.
 */
export function describeWith(...requirements: InfraRequirement[]): DescribeLike {
  const missing = requirements.filter((r) => !r.available);
  if (missing.length === 0) return describe;
  const reason = missing.map((r) => `${r.name}: ${r.reason}`).join('; ');
  if (infraRequired()) {
    return (title, _body) => {
      const message = `${missingMessage(title, missing)} (TOMO_REQUIRE_INFRA=1 forbids skipping)`;
      describe(title, () => {
        beforeAll(() => {
          throw new Error(message);
        });
        it(`has its infrastructure (${reason})`, () => {
          throw new Error(message);
        });
      });
    };
  }
  return (title, body) => {
    const banner = `SKIPPED ${title}: ${reason}`;
    const rule = '='.repeat(Math.min(banner.length, 100));
    console.warn(`${rule}\n${banner}\n(set TOMO_REQUIRE_INFRA=1 to make this a failure)\n${rule}`);
    describe.skip(`${title} [SKIPPED: ${reason}]`, body);
  };
}

/** `describeIf(sshdAvailable(), 'sshd', SSHD_REASON)('my suite', () => { ... })`. */
export function describeIf(available: boolean, name: string, reason: string): DescribeLike {
  return describeWith({ name, available, reason });
}

/**
 * For a suite that decides itself: returns whether the infrastructure is there; when it is not,
 * throws under `TOMO_REQUIRE_INFRA=1` (call it inside `beforeAll` to fail the suite) and otherwise
 * prints the SKIPPED banner, so the caller can return early.
 */
export function requireInfra(name: string, available: boolean, reason: string): boolean {
  if (available) return true;
  if (infraRequired())
    throw new Error(
      `missing infrastructure: ${name} (${reason}); TOMO_REQUIRE_INFRA=1 forbids skipping`,
    );
  console.warn(`SKIPPED ${name}: ${reason} (set TOMO_REQUIRE_INFRA=1 to make this a failure)`);
  return false;
}

/** `describeWithSshd('servers over SSH', () => { ... })` */
export const describeWithSshd: DescribeLike = (title, body) =>
  describeWith(sshdRequirement())(title, body);

/** `describeWithDocker('agents', () => { ... })` */
export const describeWithDocker: DescribeLike = (title, body) =>
  describeWith(dockerRequirement())(title, body);
