import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DomainError } from '../../common/errors/domain-error';
import { redactText } from '../../common/security/redact';

const GIT_TIMEOUT_MS = 120_000;
const OUTPUT_LIMIT = 1024 * 1024;

/**
 * Settings git reads on every call: only the transports Tomo allows, no prompts, no system or
 * user configuration, no hooks, no symlinks checked out, no submodules.
 */
const SAFE_CONFIG = [
  'protocol.allow=never',
  'protocol.https.allow=always',
  'protocol.ssh.allow=always',
  'protocol.git.allow=always',
  'protocol.file.allow=always',
  'core.symlinks=false',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'submodule.recurse=false',
  'credential.helper=',
  'advice.detachedHead=false',
];

function gitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_SSH_COMMAND:
      'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=20',
  };
}

function git(args: string[], cwd?: string): Promise<string> {
  const argv = SAFE_CONFIG.flatMap((setting) => ['-c', setting]).concat(args);
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      argv,
      {
        cwd,
        env: gitEnv(),
        timeout: GIT_TIMEOUT_MS,
        maxBuffer: OUTPUT_LIMIT,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(
            new DomainError(
              'UNAVAILABLE',
              'git is not installed on the Tomo host; install it (apt install git) to sync repositories.',
            ),
          );
          return;
        }
        const timedOut = error.killed === true;
        const detail = redactText(String(stderr || error.message))
          .trim()
          .split('\n')
          .filter((line) => !line.startsWith('hint:'))
          .slice(-3)
          .join(' | ')
          .slice(0, 500);
        reject(
          new DomainError(
            timedOut ? 'TIMEOUT' : 'REMOTE_FAILED',
            timedOut
              ? `git ${args[0]} took longer than ${GIT_TIMEOUT_MS / 1000} s`
              : `git ${args[0]} failed: ${detail}`,
          ),
        );
      },
    );
  });
}

/**
 * Keeps one shallow checkout per repository: cloned once (depth 1, one branch), then fetched
 * and reset to the branch's tip on later syncs. Arguments are lists, never a shell line; the
 * URL and branch were validated before and follow `--`.
 */
export class GitCheckout {
  constructor(readonly directory: string) {}

  /** Brings the checkout to the tip of `branch`; returns its commit. */
  async sync(url: string, branch: string): Promise<string> {
    if (existsSync(`${this.directory}/.git`)) {
      try {
        await git(['remote', 'set-url', 'origin', '--', url], this.directory);
        await git(
          ['fetch', '--depth', '1', '--no-tags', 'origin', '--', `refs/heads/${branch}`],
          this.directory,
        );
        await git(['checkout', '--force', '--detach', 'FETCH_HEAD'], this.directory);
        await git(['clean', '-ffdx'], this.directory);
        return (await git(['rev-parse', 'HEAD'], this.directory)).trim();
      } catch (error) {
        // A broken or diverged checkout: start again from a fresh clone.
        await rm(this.directory, { recursive: true, force: true });
        if (!(error instanceof DomainError) || error.code === 'UNAVAILABLE') throw error;
      }
    }
    await mkdir(dirname(this.directory), { recursive: true });
    await rm(this.directory, { recursive: true, force: true });
    await git([
      'clone',
      '--depth',
      '1',
      '--single-branch',
      '--no-tags',
      '--branch',
      branch,
      '--',
      url,
      this.directory,
    ]);
    return (await git(['rev-parse', 'HEAD'], this.directory)).trim();
  }

  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }
}
