import { Backoff } from './backoff';

describe('Backoff', () => {
  it('starts at 1 s and doubles up to 60 s without jitter', () => {
    const b = new Backoff({ random: () => 0 });
    const delays = Array.from({ length: 9 }, () => b.next());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('adds at most 20 % jitter', () => {
    const b = new Backoff({ random: () => 0.999999 });
    expect(b.next()).toBe(1200);
    for (let i = 0; i < 10; i++) b.next();
    expect(b.next()).toBe(72000);
  });

  it('stays within [base, base × 1.2] with real randomness', () => {
    const b = new Backoff();
    const bases = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000];
    for (const base of bases) {
      const delay = b.next();
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThanOrEqual(base * 1.2);
    }
  });

  it('jitters: a fleet does not reconnect in lockstep', () => {
    const delays = new Set(Array.from({ length: 20 }, () => new Backoff().next()));
    expect(delays.size).toBeGreaterThan(1);
  });

  it('starts over after reset (a successful handshake)', () => {
    const b = new Backoff({ random: () => 0 });
    b.next();
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('stays finite after very many attempts', () => {
    const b = new Backoff({ random: () => 0 });
    for (let i = 0; i < 10_000; i++) b.next();
    expect(b.next()).toBe(60000);
  });
});
