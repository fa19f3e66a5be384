import { spawn } from 'node:child_process';
import { constants } from 'node:os';

// `system.exec`'s engine: /bin/sh -c with a timeout that kills the whole process group.

export interface ExecResult {
  stdout: string;
  stderr: string;
  exit_code: number;
}

export interface RunShellOptions {
  timeoutSeconds: number;
  /** Per stream; past it the rest is drained and counted, not kept. */
  maxOutputBytes: number;
  env?: NodeJS.ProcessEnv;
  onSpawn?: (pid: number) => void;
  onExit?: (pid: number) => void;
}

/**
 * 256 KiB per stream: both streams and their JSON escaping must fit one response frame, which
 * the backend caps at 1 MiB.
 */
export const MAX_EXEC_OUTPUT_BYTES = 256 * 1024;

/** After SIGKILL to the group, how long to wait for the pipes to close before answering anyway. */
const KILL_GRACE_MS = 2_000;

class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room >= chunk.length) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.kept += room;
    }
    this.dropped += chunk.length - Math.max(room, 0);
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    if (this.dropped === 0) return text;
    return `${text}\n[tomo-agent: output truncated after ${this.limit} bytes; ${this.dropped} more bytes not captured]`;
  }
}

function signalExitCode(signal: NodeJS.Signals | null): number {
  // The shell convention: a process killed by signal N exits with 128 + N.
  if (signal === null) return -1;
  const number = (constants.signals as Record<string, number | undefined>)[signal];
  return number === undefined ? -1 : 128 + number;
}

/**
 * Runs `/bin/sh -c command` in its own process group (detached), so a timeout can kill the
 * whole tree, pipelines and background jobs included, and not just the shell.
 */
export function runShellCommand(command: string, options: RunShellOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      shell: false,
      detached: true,
      cwd: '/',
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new OutputBuffer(options.maxOutputBytes);
    const stderr = new OutputBuffer(options.maxOutputBytes);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    let settled = false;
    let timedOut = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const pid = child.pid;
    if (pid !== undefined) options.onSpawn?.(pid);

    const finish = (result: ExecResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (pid !== undefined) options.onExit?.(pid);
      resolve(result);
    };
    const timedOutResult = (): ExecResult => ({
      stdout: stdout.text(),
      stderr: `Command timed out after ${options.timeoutSeconds}s`,
      exit_code: -1,
    });

    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killProcessGroup(pid);
      // A grandchild that escaped the group (setsid) may hold the pipes open forever.
      graceTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(timedOutResult());
      }, KILL_GRACE_MS);
    }, options.timeoutSeconds * 1000);

    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (pid !== undefined) options.onExit?.(pid);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timedOut) finish(timedOutResult());
      else
        finish({
          stdout: stdout.text(),
          stderr: stderr.text(),
          exit_code: code ?? signalExitCode(signal),
        });
    });
  });
}

export function killProcessGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
