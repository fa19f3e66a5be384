import { readFileSync } from 'node:fs';
import {
  cpuPercent,
  parseBoundPorts,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
} from './proc-files';

describe('/proc parsers', () => {
  it('reads the aggregate cpu line and computes busy share', () => {
    const a = parseProcStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n');
    const b = parseProcStat('cpu  200 0 200 1500 100 0 0 0 0 0\n');
    expect(a).toEqual({ idle: 800, total: 1000 });
    expect(cpuPercent(a, b)).toBe(20);
    expect(cpuPercent(b, b)).toBe(0);
  });

  it('reads MemTotal and MemAvailable in bytes, with a fallback for old kernels', () => {
    expect(parseMeminfo('MemTotal: 2048 kB\nMemFree: 512 kB\nMemAvailable: 1024 kB\n')).toEqual({
      total: 2048 * 1024,
      available: 1024 * 1024,
    });
    expect(
      parseMeminfo('MemTotal: 2048 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 90 kB\n').available,
    ).toBe(200 * 1024);
  });

  it('sums network bytes without loopback and Docker-internal interfaces', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0',
      '  eth0: 5000 50 0 0 0 0 0 0 7000 70 0 0 0 0 0 0',
      'docker0: 300 3 0 0 0 0 0 0 400 4 0 0 0 0 0 0',
      'veth1a2b: 300 3 0 0 0 0 0 0 400 4 0 0 0 0 0 0',
      'br-0123456789ab: 300 3 0 0 0 0 0 0 400 4 0 0 0 0 0 0',
      '  wlan0: 1 1 0 0 0 0 0 0 2 1 0 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDev(text)).toEqual({ rx_bytes: 5001, tx_bytes: 7002 });
  });

  it('finds listening TCP and bound UDP ports', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1',
      '   1: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2',
      '   2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3',
    ].join('\n');
    expect([...parseBoundPorts(tcp, 'tcp')].sort((a, b) => a - b)).toEqual([22, 8080]);
    const udp = [
      '  sl  local_address rem_address   st',
      '   0: 00000000:0035 00000000:0000 07 00000000:00000000',
      '   1: 00000000:0044 0100007F:0035 01 00000000:00000000',
    ].join('\n');
    expect([...parseBoundPorts(udp, 'udp')]).toEqual([53]);
    const tcp6 =
      'sl local rem st\n 0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 0\n';
    expect([...parseBoundPorts(tcp6, 'tcp')]).toEqual([443]);
  });

  it('parses this machine', () => {
    const sample = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    expect(sample.total).toBeGreaterThan(sample.idle);
    expect(parseMeminfo(readFileSync('/proc/meminfo', 'utf8')).total).toBeGreaterThan(0);
    expect(parseNetDev(readFileSync('/proc/net/dev', 'utf8')).rx_bytes).toBeGreaterThanOrEqual(0);
  });
});
