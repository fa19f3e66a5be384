import { execFileSync } from 'node:child_process';
import { figuresFromAgent, parseResourceOutput, RESOURCE_COMMAND } from './resource-reading';

const OUTPUT = `@stat1
cpu  1000 0 1000 8000 0 0 0 0 0 0
@stat2
cpu  1100 0 1100 8200 0 0 0 0 0 0
@meminfo
MemTotal:        8000000 kB
MemFree:         1000000 kB
MemAvailable:    6000000 kB
@loadavg
0.42 0.30 0.25 1/123 4567
@netdev
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0
  eth0: 5000 10 0 0 0 0 0 0 7000 12 0 0 0 0 0 0
@df
/dev/sda1 100000 40000 50000 45% /
`;

describe('parseResourceOutput', () => {
  it('reads CPU from the two stat lines, memory, load, network and disk', () => {
    expect(parseResourceOutput(OUTPUT)).toEqual({
      cpu_percent: 50,
      memory_used_bytes: 2_000_000 * 1024,
      memory_total_bytes: 8_000_000 * 1024,
      memory_percent: 25,
      disk_used_bytes: 40_000 * 1024,
      disk_total_bytes: 100_000 * 1024,
      disk_percent: 44.4,
      load_1: 0.42,
      load_5: 0.3,
      load_15: 0.25,
      net_rx_bytes: 5000,
      net_tx_bytes: 7000,
    });
  });

  it.each(['stat2', 'meminfo', 'df'])('names a missing %s part', (part) => {
    const without = OUTPUT.replace(new RegExp(`@${part}\\n[^@]*`), '');
    expect(() => parseResourceOutput(without)).toThrow(part === 'df' ? /df/ : new RegExp(part));
  });

  it('reads what the command prints on this machine', () => {
    const output = execFileSync('/bin/sh', ['-c', RESOURCE_COMMAND], { encoding: 'utf8' });
    const figures = parseResourceOutput(output);
    expect(figures.memory_total_bytes).toBeGreaterThan(0);
    expect(figures.disk_total_bytes).toBeGreaterThan(0);
    expect(figures.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(figures.cpu_percent).toBeLessThanOrEqual(100);
  });
});

describe('figuresFromAgent', () => {
  it('reads system.get_metrics and names what is malformed', () => {
    const answer = {
      cpu: 12.5,
      memory: { used: 3, total: 8, percent: 37.5 },
      disk: { used: 40, total: 100, percent: 40 },
      load: [0.42, 0.3, 0.25],
      network: { rx_bytes: 1, tx_bytes: 2 },
      containers: { running: 1, stopped: 0 },
    };
    expect(figuresFromAgent(answer)).toMatchObject({ cpu_percent: 12.5, load_15: 0.25 });
    expect(() => figuresFromAgent({ ...answer, cpu: 'x', load: [] })).toThrow(
      /cpu, load\[0\], load\[1\], load\[2\]/,
    );
  });
});
