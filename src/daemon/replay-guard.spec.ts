import { ReplayGuard } from './replay-guard';

describe('ReplayGuard', () => {
  let nowMs = 1_764_032_400_000;
  const now = () => nowMs / 1000;
  let guard: ReplayGuard;

  beforeEach(() => {
    nowMs = 1_764_032_400_000;
    guard = new ReplayGuard({ nowMs: () => nowMs });
  });

  it('accepts a fresh request with a new nonce', () => {
    expect(guard.check(now(), 'n1')).toEqual({ ok: true });
    expect(guard.check(now(), 'n2')).toEqual({ ok: true });
  });

  it('refuses a nonce it has seen, even with a new timestamp', () => {
    expect(guard.check(now(), 'n1').ok).toBe(true);
    const again = guard.check(now() + 1, 'n1');
    expect(again).toEqual({ ok: false, reason: expect.stringContaining('nonce already seen') });
  });

  it('accepts up to 300 s old and refuses older', () => {
    expect(guard.check(now() - 300, 'a').ok).toBe(true);
    const old = guard.check(now() - 301, 'b');
    expect(old).toEqual({ ok: false, reason: expect.stringContaining('too old') });
  });

  it('accepts up to 30 s ahead and refuses further in the future', () => {
    expect(guard.check(now() + 30, 'a').ok).toBe(true);
    const future = guard.check(now() + 31, 'b');
    expect(future).toEqual({ ok: false, reason: expect.stringContaining('future') });
  });

  it('treats a millisecond timestamp as far in the future', () => {
    expect(guard.check(nowMs, 'ms').ok).toBe(false);
  });

  it.each([
    ['missing timestamp', undefined, 'n'],
    ['string timestamp', '1764032400', 'n'],
    ['NaN timestamp', Number.NaN, 'n'],
    ['missing nonce', 1_764_032_400, undefined],
    ['empty nonce', 1_764_032_400, ''],
    ['numeric nonce', 1_764_032_400, 42],
    ['huge nonce', 1_764_032_400, 'x'.repeat(257)],
  ])('refuses a %s', (_name, timestamp, nonce) => {
    expect(guard.check(timestamp, nonce).ok).toBe(false);
  });

  it('does not remember the nonce of a refused request', () => {
    expect(guard.check(now() - 1000, 'late').ok).toBe(false);
    expect(guard.check(now(), 'late').ok).toBe(true);
  });

  it('forgets nonces once their timestamps have left the window, and only then', () => {
    const ts = now();
    guard.check(ts, 'n1');
    nowMs += 299_000;
    expect(guard.check(now(), 'x1').ok).toBe(true);
    expect(guard.check(ts, 'n1').ok).toBe(false); // still in window: replay
    nowMs += 10_000;
    guard.check(now(), 'x2'); // triggers pruning
    expect(guard.size).toBeLessThanOrEqual(2);
    // Now the old frame is refused for its age, which is what keeps replays out after pruning.
    expect(guard.check(ts, 'n1')).toEqual({
      ok: false,
      reason: expect.stringContaining('too old'),
    });
  });

  it('refuses rather than forgets when flooded', () => {
    const small = new ReplayGuard({ nowMs: () => nowMs, maxNonces: 3 });
    for (const n of ['a', 'b', 'c']) expect(small.check(now(), n).ok).toBe(true);
    expect(small.check(now(), 'd')).toEqual({
      ok: false,
      reason: 'Too many requests in the replay window',
    });
    expect(small.check(now(), 'a').ok).toBe(false);
  });
});
