import { FloodGuard } from './flood-guard';

describe('flood guard', () => {
  it('lets one through per key per window', () => {
    const guard = new FloodGuard(60_000);
    expect(guard.allow('agent:a:disconnected', 0)).toBe(true);
    expect(guard.allow('agent:a:disconnected', 30_000)).toBe(false);
    expect(guard.allow('agent:a:connected', 30_000)).toBe(true);
    expect(guard.allow('agent:b:disconnected', 30_000)).toBe(true);
    expect(guard.allow('agent:a:disconnected', 60_000)).toBe(true);
  });
});
