import { execFileSync } from 'node:child_process';
import { resolvePlan } from './plan/resolve-plan';
import { context, uptimeKuma } from './plan/testing/plan-fixtures';
import { judge, parseHostResources, parsePublishedPorts, preflightScript } from './preflight';

const DOCKER = { ok: true, version: '26.1.5', method: 'ssh' as const };

describe('preflight', () => {
  it('the script runs in sh here and reads this machine', () => {
    const output = execFileSync('sh', ['-c', preflightScript('/nonexistent/tomo/apps')], {
      encoding: 'utf8',
    });
    const host = parseHostResources(output);
    expect(host.arch).toBeTruthy();
    expect(host.diskTotalKb).toBeGreaterThan(0);
    expect(host.memTotalKb).toBeGreaterThan(0);
  });

  it('reads listening TCP ports and bound UDP ports from /proc/net', () => {
    const output = [
      'arch=x86_64',
      'disk_free_kb=1048576',
      '@tcp',
      '  sl  local_address rem_address   st',
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000',
      '   1: 0100007F:0CEA 0100007F:9C40 01 00000000:00000000',
      '@udp',
      '  sl  local_address rem_address   st',
      '   0: 00000000:0035 00000000:0000 07 00000000:00000000',
    ].join('\n');
    const host = parseHostResources(output);
    expect([...host.bound.tcp]).toEqual([8080]);
    expect([...host.bound.udp]).toEqual([53]);
    expect(host.diskFreeKb).toBe(1048576);
  });

  it('finds ports Docker publishes', () => {
    expect([
      ...parsePublishedPorts('0.0.0.0:3001->3001/tcp, :::3001->3001/tcp\n0.0.0.0:53->53/udp'),
    ]).toEqual(['3001/tcp', '53/udp']);
  });

  it('judges architecture, disk and ports, saying how to fix a busy port', () => {
    const manifest = uptimeKuma();
    const plan = resolvePlan(manifest, {}, context());
    const host = parseHostResources('arch=riscv64\ndisk_free_kb=1024\nmem_free_kb=1048576\n');
    host.bound.tcp.add(3001);
    const report = judge(manifest, plan, host, new Set(), DOCKER);
    expect(report.success).toBe(false);
    expect(report.architecture).toBe('riscv64');
    expect(report.ports).toEqual({ '3001/tcp': 'in_use' });
    expect(report.errors).toEqual([
      expect.stringMatching(/supports amd64, arm64.*this server is riscv64/),
      expect.stringMatching(/needs 512 MB of disk; 1 MB are free/),
      'Host port 3001/tcp (web) is in use; choose another with config.ports["3001/tcp"].',
    ]);
    const fine = judge(
      manifest,
      plan,
      parseHostResources('arch=aarch64\ndisk_free_kb=99999999\nmem_free_kb=99999999\n'),
      new Set(),
      DOCKER,
    );
    expect(fine).toMatchObject({ success: true, errors: [], architecture: 'arm64' });
  });
});
