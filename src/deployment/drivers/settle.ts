import type { ContainerProbe } from './docker-driver';

/** What "settled" means for the health wait of one container. */
export interface SettleOptions {
  /** true: wait for Docker's healthcheck verdict; false: running with no restart for `stableMs`. */
  health: boolean;
  stableMs: number;
  /** Give up after this long with `settled: false` (the caller decides whether to ask again). */
  maxMs: number;
}

export interface SettledProbe extends ContainerProbe {
  /** healthy / stable / stopped / unhealthy reached; false when `maxMs` ran out first. */
  settled: boolean;
}

/** Polls of the wait: quick at first (most containers are up at once), then every 500 ms. */
const POLL_MS = [100, 100, 200, 300, 500];

/** Whether a probe ends the wait, given when the current run of the container began. */
export function isSettled(
  probe: ContainerProbe,
  options: SettleOptions,
  runningForMs: number | null,
): boolean {
  if (probe.state === 'exited' || probe.state === 'dead') return true;
  if (probe.health === 'unhealthy') return true;
  if (options.health) return probe.health === 'healthy';
  return probe.state === 'running' && runningForMs !== null && runningForMs >= options.stableMs;
}

/** The health wait done by polling `probe` from here (the agent route: one request per poll). */
export async function pollUntilSettled(
  probe: () => Promise<ContainerProbe>,
  options: SettleOptions,
  now: () => number = Date.now,
): Promise<SettledProbe> {
  const started = now();
  let restarts: number | null = null;
  let runningSince: number | null = null;
  for (let poll = 0; ; poll += 1) {
    const current = await probe();
    if (current.state === 'running' && current.restartCount === restarts && runningSince !== null) {
      // same run as before
    } else if (current.state === 'running') {
      restarts = current.restartCount;
      runningSince = now();
    } else {
      restarts = null;
      runningSince = null;
    }
    const runningFor = runningSince === null ? null : now() - runningSince;
    if (isSettled(current, options, runningFor)) return { ...current, settled: true };
    if (now() - started >= options.maxMs) return { ...current, settled: false };
    const pause = POLL_MS[Math.min(poll, POLL_MS.length - 1)];
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
