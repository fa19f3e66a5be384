import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestTomo } from './support/tomo-harness';

describe('health, version and system information', () => {
  let tomo: TestTomo;
  beforeAll(async () => {
    tomo = await TestTomo.start({ VERSION: '9.8.7-test' });
  });
  afterAll(() => tomo.stop());

  it('answers liveness and readiness without credentials', async () => {
    expect(await tomo.request('GET', '/health')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    const ready = await tomo.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      checks: { database: { status: 'up' }, disk: { status: 'up' } },
    });
    expect(ready.body.checks.disk.free_bytes).toBeGreaterThan(0);
  });

  it('offers check_health and get_version as public MCP tools', async () => {
    const client = await tomo.mcp(null, '2025');
    const health = await client.callTool({ name: 'check_health', arguments: {} });
    expect(health.structuredContent).toMatchObject({ status: 'ok' });
    const version = await client.callTool({ name: 'get_version', arguments: {} });
    expect(version.structuredContent).toMatchObject({
      name: 'tomo',
      version: '9.8.7-test',
      api_version: 'v1',
    });
    expect(
      (version.structuredContent as { mcp_protocol_versions: string[] }).mcp_protocol_versions,
    ).toContain('2026-07-28');
    await client.close();
  });

  it('reports version, uptime, Node version, database size and free space to a signed-in user', async () => {
    const token = await tomo.login();
    const rest = await tomo.request('GET', '/api/v1/system/info', { token });
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({
      version: '9.8.7-test',
      node_version: process.version,
      data_directory: tomo.dataDirectory,
    });
    expect(rest.body.database_size_bytes).toBeGreaterThan(0);
    expect(rest.body.data_directory_free_bytes).toBeGreaterThan(0);
    expect(rest.body.uptime_seconds).toBeGreaterThanOrEqual(0);

    const client = await tomo.mcp(token);
    const mcp = await client.callTool({ name: 'get_system_info', arguments: {} });
    expect(mcp.structuredContent).toMatchObject({
      version: '9.8.7-test',
      node_version: process.version,
    });
    await client.close();

    expect((await tomo.request('GET', '/api/v1/system/info')).status).toBe(401);
  });

  it('reports the host, the database row counts and the component versions', async () => {
    const token = await tomo.login();
    const info = (await tomo.request('GET', '/api/v1/system/info', { token })).body;
    expect(info.os).toMatchObject({ platform: process.platform, release: expect.any(String) });
    expect(info.cpu.cores).toBeGreaterThan(0);
    expect(info.memory.total_bytes).toBeGreaterThan(info.memory.free_bytes);
    expect(info.disk).toMatchObject({ path: tomo.dataDirectory });
    expect(info.database.type).toBe('better-sqlite3');
    const users = info.database.tables.find((t: { table: string }) => t.table === 'users');
    expect(users).toEqual({ table: 'users', rows: 1, estimated: false });
    const versions = Object.fromEntries(
      info.components.map((c: { component: string; version: string }) => [c.component, c.version]),
    );
    expect(versions).toMatchObject({ tomo: '9.8.7-test', node: process.version.slice(1) });
  });

  it('records a new Tomo version at startup, keeping the one it replaced', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tomo-versions-'));
    try {
      const first = await TestTomo.start({ DATA_DIRECTORY: directory, VERSION: '1.0.0' });
      const before = await component(first, 'tomo');
      await first.stop();
      expect(before).toMatchObject({ version: '1.0.0', previous_version: null });

      const second = await TestTomo.start({ DATA_DIRECTORY: directory, VERSION: '1.1.0' });
      const after = await component(second, 'tomo');
      expect(after).toMatchObject({ version: '1.1.0', previous_version: '1.0.0' });
      expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
      const token = await second.login();
      const audit = await second.request(
        'GET',
        '/api/v1/audit?action=system.component_updated&target_id=tomo',
        { token },
      );
      expect(audit.body.items).toEqual([
        expect.objectContaining({ actor_type: 'system', details: { from: '1.0.0', to: '1.1.0' } }),
      ]);
      await second.stop();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

async function component(tomo: TestTomo, name: string) {
  const token = await tomo.login();
  const info = (await tomo.request('GET', '/api/v1/system/info', { token })).body;
  return info.components.find((c: { component: string }) => c.component === name);
}
