/**
 * At most one notification per key (an agent and a state, say) per window: an agent flapping
 * between connected and disconnected raises one of each per minute, not one per flap.
 */
export class FloodGuard {
  private readonly last = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  allow(key: string, now = Date.now()): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.windowMs) return false;
    this.last.set(key, now);
    if (this.last.size > 10_000) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [key, at] of this.last) if (now - at >= this.windowMs) this.last.delete(key);
  }
}
