import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RpcError } from '../protocol';
import { ExecLimiter, execMethod, ProcessGroups } from './exec';
import { runShellCommand } from './shell-command';

const call = { id: 'x', method: 'system.exec' };

/** Running, as opposed to gone or a zombie waiting for a (possibly absent) init to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('runShellCommand', () => {
  const opts = { timeoutSeconds: 10, maxOutputBytes: 1024 };

  it('runs through /bin/sh -c and captures both streams and the exit code', async () => {
    await expect(runShellCommand('echo hi; echo oops >&2; exit 3', opts)).resolves.toEqual({
      stdout: 'hi\n',
      stderr: 'oops\n',
      exit_code: 3,
    });
  });

  it('gives shell syntax its meaning (pipes, variables, globbing)', async () => {
    const result = await runShellCommand('X=abc; echo "$X" | tr a-z A-Z', opts);
    expect(result.stdout).toBe('ABC\n');
  });

  it('reports a signal death as 128 + N', async () => {
    const result = await runShellCommand('kill -TERM $$', opts);
    expect(result.exit_code).toBe(143);
  });

  it('kills the whole process group on timeout, background jobs included', async () => {
    const started = Date.now();
    const result = await runShellCommand('sleep 30 & echo $!; sleep 30', {
      ...opts,
      timeoutSeconds: 0.5,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.exit_code).toBe(-1);
    expect(result.stderr).toBe('Command timed out after 0.5s');
    const backgroundPid = Number(result.stdout.trim());
    expect(backgroundPid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(running(backgroundPid)).toBe(false);
  });

  it('caps each stream and says so', async () => {
    const result = await runShellCommand('head -c 5000 /dev/zero | tr "\\0" a', opts);
    expect(result.stdout.startsWith('a'.repeat(1024))).toBe(true);
    expect(result.stdout).toContain(
      '[tomo-agent: output truncated after 1024 bytes; 3976 more bytes',
    );
    expect(result.exit_code).toBe(0);
  });

  it('does not pass the registration code on to commands', async () => {
    process.env.REGISTER_CODE = 'SECRET-CODE';
    try {
      const handler = execMethod({
        noExec: false,
        limiter: new ExecLimiter(),
        groups: new ProcessGroups(),
      });
      const result = (await handler({ command: 'echo "[$REGISTER_CODE]"' }, call)) as {
        stdout: string;
      };
      expect(result.stdout).toBe('[]\n');
    } finally {
      delete process.env.REGISTER_CODE;
    }
  });

  it('runs in / with the shell found at /bin/sh', async () => {
    expect((await runShellCommand('pwd', opts)).stdout).toBe('/\n');
    expect(execFileSync('/bin/sh', ['-c', 'echo ok'], { encoding: 'utf8' })).toBe('ok\n');
  });
});

describe('ExecLimiter', () => {
  it('allows 5 at once and refuses the 6th with -32002', () => {
    const limiter = new ExecLimiter();
    const releases = Array.from({ length: 5 }, () => limiter.acquire());
    expect(() => limiter.acquire()).toThrow(expect.objectContaining({ code: -32002 }));
    releases[0]?.();
    expect(() => limiter.acquire()).not.toThrow();
  });

  it('allows 60 per minute', () => {
    let now = 0;
    const limiter = new ExecLimiter({ nowMs: () => now });
    for (let i = 0; i < 60; i++) limiter.acquire()();
    expect(() => limiter.acquire()).toThrow(/60 commands per 60 s/);
    now += 59_999;
    expect(() => limiter.acquire()).toThrow(RpcError);
    now += 1;
    expect(() => limiter.acquire()).not.toThrow();
  });

  it('releases only once per acquisition', () => {
    const limiter = new ExecLimiter({ maxConcurrent: 1 });
    const release = limiter.acquire();
    release();
    release();
    limiter.acquire();
    expect(() => limiter.acquire()).toThrow(/at once/);
  });
});

describe('system.exec method', () => {
  const deps = () => ({ noExec: false, limiter: new ExecLimiter(), groups: new ProcessGroups() });

  it('is refused with -32001 under --no-exec', async () => {
    const handler = execMethod({ ...deps(), noExec: true });
    await expect(handler({ command: 'echo hi' }, call)).rejects.toMatchObject({
      code: -32001,
      message: expect.stringContaining('--no-exec'),
    });
  });

  it('validates its params with -32602', async () => {
    const handler = execMethod(deps());
    await expect(handler({}, call)).rejects.toMatchObject({ code: -32602 });
    await expect(handler({ command: 'true', timeout: -1 }, call)).rejects.toMatchObject({
      code: -32602,
    });
    await expect(handler({ command: 'true', timeout: '5' }, call)).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('kills running commands on shutdown', async () => {
    const d = deps();
    const handler = execMethod(d);
    const pending = handler({ command: 'sleep 30', timeout: 60 }, call);
    await new Promise((r) => setTimeout(r, 200));
    expect(d.groups.killAll()).toBe(1);
    await expect(pending).resolves.toMatchObject({ exit_code: 137 });
  });
});
