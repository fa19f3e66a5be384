import { DEFAULT_CONFIG, mergeConfig } from './agent-config';

describe('agent config', () => {
  it('applies known fields and reports which changed', () => {
    const merged = mergeConfig(DEFAULT_CONFIG, { metrics_interval: 10, health_interval: 60 });
    expect(merged.config).toEqual({ ...DEFAULT_CONFIG, metrics_interval: 10 });
    expect(merged.changed).toEqual(['metrics_interval']);
    expect(merged.problems).toEqual([]);
  });

  it('ignores unknown fields', () => {
    expect(mergeConfig(DEFAULT_CONFIG, { shiny_new_setting: 1 })).toEqual({
      config: DEFAULT_CONFIG,
      changed: [],
      problems: [],
    });
  });

  it.each([0, -5, 86_401, '10', null, Number.NaN])('refuses metrics_interval %p', (value) => {
    const merged = mergeConfig(DEFAULT_CONFIG, { metrics_interval: value });
    expect(merged.config.metrics_interval).toBe(30);
    expect(merged.problems[0]).toMatch(/metrics_interval/);
  });

  it('reads auto_update as a boolean only', () => {
    expect(mergeConfig(DEFAULT_CONFIG, { auto_update: false }).config.auto_update).toBe(false);
    expect(mergeConfig(DEFAULT_CONFIG, { auto_update: 'no' }).problems).toHaveLength(1);
  });
});
