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
});
