import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerProbe } from './docker-driver';
import { pollUntilSettled } from './settle';
import { parseSettled, settleScript } from './settle-script';

const probe = (state: string, health: string | null = null, restartCount = 0): ContainerProbe => ({
  state,
  health,
  restartCount,
  exitCode: state === 'exited' ? 1 : 0,
});

function sequence(...probes: ContainerProbe[]) {
  let i = 0;
  return () => Promise.resolve(probes[Math.min(i++, probes.length - 1)]!);
}

describe('pollUntilSettled (the agent route)', () => {
  it('waits for the healthcheck verdict', async () => {
    const result = await pollUntilSettled(
      sequence(
        probe('running', 'starting'),
        probe('running', 'starting'),
        probe('running', 'healthy'),
      ),
      { health: true, stableMs: 0, maxMs: 10_000 },
    );
    expect(result).toMatchObject({ health: 'healthy', settled: true });
  });

  it('ends at once on a stopped or unhealthy container', async () => {
    const stopped = await pollUntilSettled(sequence(probe('exited')), {
      health: true,
      stableMs: 0,
      maxMs: 10_000,
    });
    expect(stopped).toMatchObject({ state: 'exited', settled: true });
    const unhealthy = await pollUntilSettled(sequence(probe('running', 'unhealthy')), {
      health: true,
      stableMs: 0,
      maxMs: 10_000,
    });
    expect(unhealthy).toMatchObject({ health: 'unhealthy', settled: true });
  });

  it('without a healthcheck, starts the stability window again after a restart', async () => {
    let clock = 0;
    const probes = [
      probe('running', null, 0),
      probe('running', null, 1),
      probe('running', null, 1),
    ];
    let i = 0;
    const result = await pollUntilSettled(
      () => {
        clock += 600;
        return Promise.resolve(probes[Math.min(i++, probes.length - 1)]!);
      },
      { health: false, stableMs: 1_000, maxMs: 60_000 },
      () => clock,
    );
    // Running since the restart seen at the second probe; settled once 1 s passed after it.
    expect(result).toMatchObject({ restartCount: 1, settled: true });
    expect(i).toBeGreaterThanOrEqual(3);
  });

  it('gives up after maxMs without settling', async () => {
    const result = await pollUntilSettled(sequence(probe('running', 'starting')), {
      health: true,
      stableMs: 0,
      maxMs: 250,
    });
    expect(result).toMatchObject({ health: 'starting', settled: false });
  });
});

describe('settleScript (the SSH route: one shell loop on the server)', () => {
  let bin: string;

  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), 'tomo-settle-'));
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  /** A fake `docker` answering `docker inspect` with the next line of a script, the last repeating. */
  function fakeDocker(lines: string[]): void {
    writeFileSync(join(bin, 'answers'), lines.join('\n') + '\n');
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\nn=$(cat "${bin}/count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "${bin}/count"\n` +
        `line=$(sed -n "\${n}p" "${bin}/answers"); [ -n "$line" ] || line=$(tail -n 1 "${bin}/answers")\n` +
        `echo "WARNING: Error loading config file" >&2\n` +
        `case "$line" in ERR*) echo "Error: No such container: x" >&2; exit 1;; esac; echo "$line"\n`,
    );
    chmodSync(join(bin, 'docker'), 0o755);
    rmSync(join(bin, 'count'), { force: true });
  }

  const shells = ['/bin/sh', '/bin/bash', '/bin/dash'].filter((shell) => existsSync(shell));

  function run(
    container: string,
    health: boolean,
    stableMs = 300,
    maxMs = 5_000,
    shell = '/bin/sh',
  ) {
    const line = settleScript(container, { health, stableMs, maxMs }, false);
    try {
      return {
        ok: true,
        out: execFileSync(shell, ['-c', line], {
          encoding: 'utf8',
          env: { PATH: `${bin}:/usr/bin:/bin` },
        }),
      };
    } catch (error) {
      return { ok: false, out: String((error as { stdout?: string }).stdout ?? '') };
    }
  }

  it('waits for healthy, polling on the server', () => {
    fakeDocker(['running|starting|0|0', 'running|starting|0|0', 'running|healthy|0|0']);
    expect(parseSettled(run("it's-web", true).out)).toEqual({
      state: 'running',
      health: 'healthy',
      restartCount: 0,
      exitCode: 0,
      settled: true,
    });
  });

  it('reports a stopped container with its exit code', () => {
    fakeDocker(['running||0|0', 'exited||0|137']);
    expect(parseSettled(run('web', false).out)).toMatchObject({
      state: 'exited',
      exitCode: 137,
      settled: true,
    });
  });

  it.each(shells)(
    'counts a running container without a healthcheck as up after the stable window (%s), despite warnings on stderr',
    (shell) => {
      fakeDocker(['running||0|0']);
      expect(parseSettled(run('web', false, 300, 5_000, shell).out)).toMatchObject({
        state: 'running',
        settled: true,
      });
    },
  );

  it('starts the stable window again after a restart', () => {
    // Restarts at the 2nd and 3rd probes; stable only after ≥ 300 ms without one.
    fakeDocker(['running||0|0', 'running||1|0', 'running||2|0', 'running||2|0']);
    const started = Date.now();
    expect(parseSettled(run('web', false, 300).out)).toMatchObject({
      restartCount: 2,
      settled: true,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('stops after maxMs without settling', () => {
    fakeDocker(['running|starting|0|0']);
    expect(parseSettled(run('web', true, 0, 300).out)).toMatchObject({
      health: 'starting',
      settled: false,
    });
  });

  it("fails with Docker's message when the container does not exist", () => {
    fakeDocker(['ERR']);
    const result = run('web', true);
    expect(result.ok).toBe(false);
    expect(result.out).toMatch(/No such container/);
  });
});
