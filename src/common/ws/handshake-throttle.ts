interface IpRecord {
  failures: number[];
  blockedUntil: number;
  blocks: number;
}

const WINDOW_MS = 60_000;
const MAX_FAILURES = 5;
const FIRST_BLOCK_MS = 30_000;
const MAX_BLOCK_MS = 3_600_000;

/**
 * Per-IP backoff of failed handshakes (AGENT_PROTOCOL §1; /ws/events counts refused credentials): 5 failures within 60 s block the
 * IP for 30 s, doubling with each repeat up to 1 h; a successful handshake clears the record.
 */
export class HandshakeThrottle {
  private readonly records = new Map<string, IpRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  blocked(ip: string): boolean {
    const record = this.records.get(ip);
    return record !== undefined && record.blockedUntil > this.now();
  }

  failure(ip: string): void {
    const now = this.now();
    const record = this.records.get(ip) ?? { failures: [], blockedUntil: 0, blocks: 0 };
    record.failures = record.failures.filter((at) => now - at < WINDOW_MS);
    record.failures.push(now);
    if (record.failures.length >= MAX_FAILURES) {
      record.blockedUntil = now + Math.min(FIRST_BLOCK_MS * 2 ** record.blocks, MAX_BLOCK_MS);
      record.blocks += 1;
      record.failures = [];
    }
    this.records.set(ip, record);
    if (this.records.size > 10_000) this.prune(now);
  }

  success(ip: string): void {
    this.records.delete(ip);
  }

  private prune(now: number): void {
    for (const [ip, record] of this.records) {
      if (record.blockedUntil <= now && record.failures.every((at) => now - at >= WINDOW_MS)) {
        this.records.delete(ip);
      }
    }
  }
}
