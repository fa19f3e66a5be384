import { RpcError, RpcErrorCode, type Params } from '../protocol';
import type { MethodHandler } from '../rpc-server';
import { optionalNumber, requiredString } from './params';
import { killProcessGroup, MAX_EXEC_OUTPUT_BYTES, runShellCommand } from './shell-command';

export interface ExecLimiterOptions {
  maxConcurrent: number;
  maxPerWindow: number;
  windowMs: number;
  nowMs: () => number;
}

/** AGENT_PROTOCOL.md §4: at most 5 concurrent and 60 per minute; over that, -32002 at once. */
export class ExecLimiter {
  private readonly options: ExecLimiterOptions;
  private running = 0;
  private starts: number[] = [];

  constructor(options: Partial<ExecLimiterOptions> = {}) {
    this.options = {
      maxConcurrent: 5,
      maxPerWindow: 60,
      windowMs: 60_000,
      nowMs: Date.now,
      ...options,
    };
  }

  /** A release function, or throws -32002. */
  acquire(): () => void {
    const { maxConcurrent, maxPerWindow, windowMs, nowMs } = this.options;
    const now = nowMs();
    this.starts = this.starts.filter((t) => now - t < windowMs);
    if (this.running >= maxConcurrent) {
      throw new RpcError(
        RpcErrorCode.rateLimited,
        `Rate limited: at most ${maxConcurrent} commands may run at once`,
      );
    }
    if (this.starts.length >= maxPerWindow) {
      throw new RpcError(
        RpcErrorCode.rateLimited,
        `Rate limited: at most ${maxPerWindow} commands per ${windowMs / 1000} s`,
      );
    }
    this.running += 1;
    this.starts.push(now);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
    };
  }
}

/** Commands still running, so shutdown can kill their groups: detached children outlive us. */
export class ProcessGroups {
  private readonly pids = new Set<number>();

  add(pid: number): void {
    this.pids.add(pid);
  }

  delete(pid: number): void {
    this.pids.delete(pid);
  }

  killAll(): number {
    const count = this.pids.size;
    for (const pid of this.pids) killProcessGroup(pid);
    this.pids.clear();
    return count;
  }
}

export interface ExecMethodDeps {
  noExec: boolean;
  limiter: ExecLimiter;
  groups: ProcessGroups;
  maxOutputBytes?: number;
}

/** The child must not inherit the registration code the agent may have been started with. */
function commandEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REGISTER_CODE;
  return env;
}

export function execMethod(deps: ExecMethodDeps): MethodHandler {
  return async (params: Params) => {
    if (deps.noExec) {
      throw new RpcError(
        RpcErrorCode.policyBlocked,
        'system.exec is disabled on this agent (started with --no-exec) (agent policy: no exec)',
      );
    }
    const command = requiredString(params, 'command');
    const timeoutSeconds = optionalNumber(params, 'timeout', 60, { min: 0.1, max: 86_400 });
    const release = deps.limiter.acquire();
    try {
      return await runShellCommand(command, {
        timeoutSeconds,
        maxOutputBytes: deps.maxOutputBytes ?? MAX_EXEC_OUTPUT_BYTES,
        env: commandEnvironment(),
        onSpawn: (pid) => deps.groups.add(pid),
        onExit: (pid) => deps.groups.delete(pid),
      });
    } finally {
      release();
    }
  };
}
