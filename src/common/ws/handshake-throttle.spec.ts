import { HandshakeThrottle } from './handshake-throttle';

describe('HandshakeThrottle', () => {
  let now = 0;
  const throttle = () => new HandshakeThrottle(() => now);
  beforeEach(() => (now = 1_000_000));

  it('blocks an IP for 30 s after 5 failures within 60 s', () => {
    const t = throttle();
    for (let i = 0; i < 4; i++) t.failure('10.0.0.1');
    expect(t.blocked('10.0.0.1')).toBe(false);
    t.failure('10.0.0.1');
    expect(t.blocked('10.0.0.1')).toBe(true);
    expect(t.blocked('10.0.0.2')).toBe(false);
    now += 29_999;
    expect(t.blocked('10.0.0.1')).toBe(true);
    now += 1;
    expect(t.blocked('10.0.0.1')).toBe(false);
  });

  it('forgets failures older than 60 s', () => {
    const t = throttle();
    for (let i = 0; i < 4; i++) t.failure('ip');
    now += 60_000;
    t.failure('ip');
    expect(t.blocked('ip')).toBe(false);
  });

  it('doubles the block with each repeat, up to one hour', () => {
    const t = throttle();
    const blockFor = () => {
      for (let i = 0; i < 5; i++) t.failure('ip');
      let ms = 0;
      while (t.blocked('ip')) {
        now += 1000;
        ms += 1000;
      }
      return ms;
    };
    expect([blockFor(), blockFor(), blockFor()]).toEqual([30_000, 60_000, 120_000]);
    for (let i = 0; i < 5; i++) blockFor();
    expect(blockFor()).toBe(3_600_000);
  });

  it('a successful handshake clears the record', () => {
    const t = throttle();
    for (let i = 0; i < 5; i++) t.failure('ip');
    t.success('ip');
    expect(t.blocked('ip')).toBe(false);
  });
});
