/**
 * Reconnect delays of AGENT_PROTOCOL.md §6: 1 s doubling to 60 s, plus up to 20 % jitter so a
 * fleet that lost the backend at the same moment does not come back in lockstep.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  jitter: number;
  random: () => number;
}

export const RECONNECT_BACKOFF: BackoffOptions = {
  initialMs: 1_000,
  maxMs: 60_000,
  jitter: 0.2,
  random: Math.random,
};

export class Backoff {
  private attempt = 0;
  private readonly options: BackoffOptions;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.options = { ...RECONNECT_BACKOFF, ...options };
  }

  /** The delay before the next attempt; each call doubles the base up to the cap. */
  next(): number {
    const { initialMs, maxMs, jitter, random } = this.options;
    // Past 2^6 the cap has long been reached; the bound keeps the power finite forever.
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(base * (1 + jitter * random()));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
