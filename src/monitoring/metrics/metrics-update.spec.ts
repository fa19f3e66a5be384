import fc from 'fast-check';
import { parseMetricsUpdate } from './metrics-update';

/** What the reference daemon sends (src/daemon/metrics.ts). */
const daemonParams = () => ({
  cpu: 12.5,
  memory: { used: 3_000_000_000, total: 8_000_000_000, percent: 37.5 },
  disk: { used: 40_000_000_000, total: 100_000_000_000, percent: 40 },
  load: [0.42, 0.3, 0.25],
  network: { rx_bytes: 123_456_789, tx_bytes: 98_765 },
  containers: { running: 3, stopped: 1 },
});

describe('parseMetricsUpdate', () => {
  it('reads the system.get_metrics shape into one value per series', () => {
    expect(parseMetricsUpdate(daemonParams())).toEqual({
      ok: true,
      reading: {
        cpu_percent: 12.5,
        memory_percent: 37.5,
        disk_percent: 40,
        load_1: 0.42,
        net_rx_bytes: 123_456_789,
        net_tx_bytes: 98_765,
      },
    });
  });

  it('ignores unknown extra fields, as the protocol asks', () => {
    const params = { ...daemonParams(), gpu: { percent: 'n/a' }, memory: { percent: 1, x: [] } };
    expect(parseMetricsUpdate(params)).toMatchObject({ ok: true, reading: { memory_percent: 1 } });
  });

  it('accepts the bounds themselves (0 and 100 percent, idle counters)', () => {
    const params = {
      ...daemonParams(),
      cpu: 100,
      memory: { percent: 0 },
      network: { rx_bytes: 0, tx_bytes: 0 },
      load: [0],
    };
    expect(parseMetricsUpdate(params).ok).toBe(true);
  });

  it.each([
    ['cpu is a string', { cpu: '12' }, 'cpu is not a finite number'],
    ['cpu is Infinity (JSON 1e400)', { cpu: JSON.parse('1e400') }, 'cpu is not a finite number'],
    ['cpu is NaN', { cpu: Number.NaN }, 'cpu is not a finite number'],
    ['cpu is null', { cpu: null }, 'cpu is not a finite number'],
    ['cpu above 100 %', { cpu: 100.5 }, 'cpu is out of range'],
    ['memory is missing', { memory: undefined }, 'memory.percent is not a finite number'],
    ['memory is an array', { memory: [37.5] }, 'memory.percent is not a finite number'],
    ['disk percent negative', { disk: { percent: -1 } }, 'disk.percent is out of range'],
    ['load is an object', { load: { 0: 1 } }, 'load[0] is not a finite number'],
    ['load is empty', { load: [] }, 'load[0] is not a finite number'],
    [
      'rx_bytes negative',
      { network: { rx_bytes: -5, tx_bytes: 1 } },
      'network.rx_bytes is out of range',
    ],
    ['network is a string', { network: 'eth0' }, 'network.rx_bytes is not a finite number'],
  ])('refuses the whole sample when %s', (_case, change, problem) => {
    const parsed = parseMetricsUpdate({ ...daemonParams(), ...change });
    expect(parsed).toEqual({ ok: false, problems: expect.arrayContaining([problem]) });
  });

  it('names every problem of an empty object', () => {
    const parsed = parseMetricsUpdate({});
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems).toHaveLength(6);
  });

  it('never throws, and every value it accepts is finite and in range', () => {
    const anything = fc.anything({ withObjectString: true, withNullPrototype: true });
    const section = fc.oneof(
      anything,
      fc.dictionary(fc.constantFrom('percent', 'rx_bytes', 'tx_bytes', 'used'), anything),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            cpu: fc.oneof(fc.double(), anything),
            memory: section,
            disk: section,
            load: fc.oneof(fc.array(fc.oneof(fc.double(), anything)), anything),
            network: section,
          },
          { requiredKeys: [] },
        ),
        (params) => {
          const parsed = parseMetricsUpdate(params);
          if (!parsed.ok) return;
          for (const [metric, value] of Object.entries(parsed.reading)) {
            expect(Number.isFinite(value)).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
            if (metric.endsWith('_percent')) expect(value).toBeLessThanOrEqual(100);
          }
        },
      ),
    );
  });
});
