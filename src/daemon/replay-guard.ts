/**
 * Replay protection of AGENT_PROTOCOL.md §3: a request must be recent (at most 300 s old, at most
 * 30 s ahead of our clock) and carry a nonce not seen before. A nonce only has to be remembered
 * while its timestamp is still acceptable; after that the age check refuses the frame anyway,
 * which keeps the memory bounded by the request rate.
 */
export interface ReplayGuardOptions {
  maxAgeSeconds: number;
  maxFutureSeconds: number;
  /** Refuse rather than forget nonces early when flooded. */
  maxNonces: number;
  maxNonceLength: number;
  nowMs: () => number;
}

export type ReplayVerdict = { ok: true } | { ok: false; reason: string };

const DEFAULTS: ReplayGuardOptions = {
  maxAgeSeconds: 300,
  maxFutureSeconds: 30,
  maxNonces: 100_000,
  maxNonceLength: 256,
  nowMs: Date.now,
};

export class ReplayGuard {
  private readonly options: ReplayGuardOptions;
  /** nonce → epoch second after which its request is too old to be accepted anyway */
  private readonly nonces = new Map<string, number>();
  private lastPruneMs = 0;

  constructor(options: Partial<ReplayGuardOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  check(timestamp: unknown, nonce: unknown): ReplayVerdict {
    const { maxAgeSeconds, maxFutureSeconds, maxNonces, maxNonceLength, nowMs } = this.options;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      return { ok: false, reason: 'Missing or invalid timestamp' };
    }
    if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > maxNonceLength) {
      return { ok: false, reason: 'Missing or invalid nonce' };
    }
    const now = nowMs() / 1000;
    if (now - timestamp > maxAgeSeconds) {
      return { ok: false, reason: `Request too old (more than ${maxAgeSeconds} s)` };
    }
    if (timestamp - now > maxFutureSeconds) {
      return {
        ok: false,
        reason: `Request timestamp too far in the future (more than ${maxFutureSeconds} s)`,
      };
    }
    this.prune(now);
    if (this.nonces.has(nonce))
      return { ok: false, reason: 'Replayed request: nonce already seen' };
    if (this.nonces.size >= maxNonces) {
      this.prune(now, true);
      if (this.nonces.size >= maxNonces) {
        return { ok: false, reason: 'Too many requests in the replay window' };
      }
    }
    this.nonces.set(nonce, timestamp + maxAgeSeconds);
    return { ok: true };
  }

  get size(): number {
    return this.nonces.size;
  }

  private prune(nowSeconds: number, force = false): void {
    if (!force && nowSeconds * 1000 - this.lastPruneMs < 5_000) return;
    this.lastPruneMs = nowSeconds * 1000;
    for (const [nonce, expires] of this.nonces) {
      if (nowSeconds > expires) this.nonces.delete(nonce);
    }
  }
}
