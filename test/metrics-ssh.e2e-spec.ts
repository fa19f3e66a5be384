import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

/**
 * Servers without an agent, over a real OpenSSH server: get_resource_usage reads /proc and df
 * over SSH, and the periodic SSH probe (turned on through update_setting, no restart) fills
 * get_metrics for them.
 */
describeWithSshd('metrics over SSH: resource usage and the periodic probe', () => {
  let sshd: TestSshd;
  let tomo: TestTomo | undefined;
  let token: string;
  let serverId: string;

  beforeAll(async () => {
    sshd = await startSshd();
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
    const added = await tomo.request('POST', '/api/v1/servers', {
      token,
      body: {
        hostname: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        credential: sshd.password,
      },
    });
    expect(added.body.status).toBe('online');
    serverId = added.body.id;
  });

  afterAll(async () => {
    await tomo?.stop();
    await sshd?.stop();
  });

  it('reads resource usage now over SSH when the server has no agent', async () => {
    const usage = await tomo!.request('GET', `/api/v1/servers/${serverId}/resources`, { token });
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ server_id: serverId, method: 'ssh' });
    expect(usage.body.memory_total_bytes).toBeGreaterThan(0);
    expect(usage.body.memory_percent).toBeGreaterThan(0);
    expect(usage.body.memory_percent).toBeLessThanOrEqual(100);
    expect(usage.body.disk_total_bytes).toBeGreaterThan(0);
    expect(usage.body.disk_percent).toBeGreaterThan(0);
    expect(usage.body.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(usage.body.cpu_percent).toBeLessThanOrEqual(100);
    expect(usage.body.load_1).toBeGreaterThanOrEqual(0);
    // The sshd runs on this machine: the same memory as the test process sees.
    const { totalmem } = await import('node:os');
    expect(usage.body.memory_total_bytes).toBe(totalmem());
  });

  it('samples the server every monitoring.ssh_probe_interval seconds once turned on', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const raw = () =>
      tomo!.request('GET', `/api/v1/servers/${serverId}/metrics?resolution=raw&since=${since}`, {
        token,
      });
    expect((await raw()).body.series.every((s: any) => s.points.length === 0)).toBe(true);

    const changed = await tomo!.request(
      'PUT',
      '/api/v1/settings/system/monitoring.ssh_probe_interval',
      { token, body: { value: 1 } },
    );
    expect(changed.status).toBe(200);

    const filled = await eventually(
      raw,
      (r) => r.body.series.every((s: any) => s.points.length >= 2),
      'two probe samples of every series',
    );
    const memory = filled.body.series.find((s: any) => s.metric === 'memory_percent');
    expect(memory.points[0].value).toBeGreaterThan(0);
    expect(memory.points[0].value).toBeLessThanOrEqual(100);
    const times = memory.points.map((p: any) => Date.parse(p.t));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(1000);

    await tomo!.request('PUT', '/api/v1/settings/system/monitoring.ssh_probe_interval', {
      token,
      body: { value: 0 },
    });
  });
});
