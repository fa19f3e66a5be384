import { bucketCount, defaultResolution, formatResolution, parseResolution } from './resolution';

describe('resolution', () => {
  it.each([
    ['raw', { kind: 'raw' }],
    ['10', { kind: 'bucket', seconds: 10 }],
    ['300', { kind: 'bucket', seconds: 300 }],
    ['30s', { kind: 'bucket', seconds: 30 }],
    ['5m', { kind: 'bucket', seconds: 300 }],
    ['1h', { kind: 'bucket', seconds: 3600 }],
    ['1d', { kind: 'bucket', seconds: 86_400 }],
    ['30d', { kind: 'bucket', seconds: 2_592_000 }],
  ])('reads %p', (text, expected) => {
    expect(parseResolution(text)).toEqual(expected);
  });

  it.each(['', '5', '9s', '31d', '1w', '-1m', '1.5h', '1 h', 'RAW', '99999999', '1e3'])(
    'refuses %p with a message saying what is accepted',
    (text) => {
      expect(() => parseResolution(text)).toThrow(
        expect.objectContaining({
          code: 'VALIDATION_FAILED',
          message: expect.stringMatching(/resolution must be "raw", a duration such as/),
        }),
      );
    },
  );

  it('picks the finest step that keeps the default range within 500 points', () => {
    const hour = 3_600_000;
    expect(defaultResolution(hour)).toEqual({ kind: 'bucket', seconds: 60 });
    expect(defaultResolution(24 * hour)).toEqual({ kind: 'bucket', seconds: 300 });
    expect(defaultResolution(7 * 24 * hour)).toEqual({ kind: 'bucket', seconds: 3600 });
    expect(defaultResolution(30 * 24 * hour)).toEqual({ kind: 'bucket', seconds: 21_600 });
    expect(defaultResolution(0)).toEqual({ kind: 'bucket', seconds: 60 });
  });

  it('spells a step the shortest exact way', () => {
    expect(formatResolution({ kind: 'raw' })).toBe('raw');
    expect(formatResolution({ kind: 'bucket', seconds: 90 })).toBe('90s');
    expect(formatResolution({ kind: 'bucket', seconds: 300 })).toBe('5m');
    expect(formatResolution({ kind: 'bucket', seconds: 7200 })).toBe('2h');
    expect(formatResolution({ kind: 'bucket', seconds: 86_400 })).toBe('1d');
  });

  it('counts the epoch-aligned buckets a range touches', () => {
    const h0 = Date.parse('2026-03-01T00:00:00.000Z');
    expect(bucketCount(h0, h0, 3600)).toBe(1);
    expect(bucketCount(h0, h0 + 3_599_999, 3600)).toBe(1);
    expect(bucketCount(h0, h0 + 3_600_000, 3600)).toBe(2);
    expect(bucketCount(h0 + 1_800_000, h0 + 5_400_000, 3600)).toBe(2);
  });
});
