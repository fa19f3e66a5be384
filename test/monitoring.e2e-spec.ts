import type { Client } from '@modelcontextprotocol/client';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../src/database/migrations';
import { TestTomo } from './support/tomo-harness';

const DAEMON_JS = join(__dirname, '..', 'dist', 'src', 'daemon', 'main.js');
const METRICS = [
  'cpu_percent',
  'memory_percent',
  'disk_percent',
  'load_1',
  'net_rx_bytes',
  'net_tx_bytes',
];

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

async function tool(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  return { isError: result.isError === true, body: result.structuredContent as any };
}

/**
 * Monitoring through Tomo's public faces: a real tomo-agent process reports metrics that come
 * back from get_metrics (REST and MCP) and answers get_resource_usage; get_status and
 * get_dashboard describe the real fleet; /metrics serves Prometheus text to signed-in callers.
 */
describe('monitoring: metrics, resource usage, status, dashboard, /metrics', () => {
  let tomo: TestTomo;
  let token: string;
  let readonlyToken: string;
  let mcp: Client;
  let agentServer: string;
  let deadServer: string;
  let stateDirectory: string;
  let daemon: ChildProcess | undefined;

  const get = (path: string, as = token) => tomo.request('GET', path, { token: as });

  beforeAll(async () => {
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
    readonlyToken = (await tomo.createUser('watcher', 'readonly', token)).token;
    mcp = await tomo.mcp(readonlyToken);
    stateDirectory = mkdtempSync(join(tmpdir(), 'tomo-monitoring-agent-'));
    const add = async (name: string, port: number) =>
      (
        await tomo.request('POST', '/api/v1/servers', {
          token,
          body: { name, hostname: '127.0.0.1', port, username: 'nobody', credential: 'unused' },
        })
      ).body.id as string;
    // Neither answers SSH (port 1 refuses): one gets a real agent, the other stays unreachable.
    agentServer = await add('with-agent', 1);
    deadServer = await add('nothing-there', 2);
    const issued = (await tomo.request('POST', `/api/v1/servers/${agentServer}/agent`, { token }))
      .body;
    daemon = spawn(
      process.execPath,
      [
        DAEMON_JS,
        '--state-file',
        join(stateDirectory, 'state.json'),
        '--server',
        issued.server_url,
        '--code',
        issued.registration_code,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    let output = '';
    daemon.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    daemon.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      () => get(`/api/v1/servers/${agentServer}/agent`),
      (r) => r.body.status === 'connected',
      'the agent to connect',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nagent output:\n${output}`);
    });
  });

  afterAll(async () => {
    if (daemon?.exitCode === null) daemon.kill('SIGKILL');
    await mcp?.close();
    await tomo?.stop();
    rmSync(stateDirectory, { recursive: true, force: true });
  });

  it('shows the agent’s samples in get_metrics, through REST and MCP', async () => {
    // The agent reports once right after its handshake; the writer flushes within a second.
    const raw = await eventually(
      () =>
        get(
          `/api/v1/servers/${agentServer}/metrics?resolution=raw&since=${new Date(Date.now() - 600_000).toISOString()}`,
          readonlyToken,
        ),
      (r) => r.status === 200 && r.body.series[0].points.length > 0,
      'a sample from the agent',
    );
    expect(raw.body).toMatchObject({
      server_id: agentServer,
      resolution: 'raw',
      resolution_seconds: null,
    });
    expect(raw.body.series.map((s: any) => s.metric)).toEqual(METRICS);
    for (const series of raw.body.series) {
      expect(series.points.length).toBeGreaterThan(0);
      const point = series.points[0];
      expect(point.min).toBe(point.value);
      expect(point.max).toBe(point.value);
      expect(Date.now() - Date.parse(point.t)).toBeLessThan(60_000);
    }
    const memory = raw.body.series.find((s: any) => s.metric === 'memory_percent');
    expect(memory.unit).toBe('percent');
    expect(memory.points[0].value).toBeGreaterThan(0);
    expect(memory.points[0].value).toBeLessThanOrEqual(100);

    const viaMcp = await tool(mcp, 'get_metrics', {
      server_id: agentServer,
      metric: 'cpu_percent',
    });
    expect(viaMcp.isError).toBe(false);
    expect(viaMcp.body.resolution).toBe('5m'); // the default for the default 24 hours
    expect(viaMcp.body.series).toHaveLength(1);
    const [series] = viaMcp.body.series;
    expect(series.metric).toBe('cpu_percent');
    expect(series.points.length).toBeGreaterThan(0);
    const last = series.points.at(-1);
    expect(Date.parse(last.t) % 300_000).toBe(0);
    expect(last.min).toBeLessThanOrEqual(last.value);
    expect(last.max).toBeGreaterThanOrEqual(last.value);
  });

  it('answers get_metrics mistakes with a 4xx that says what to fix', async () => {
    const base = `/api/v1/servers/${agentServer}/metrics`;
    const cases: [string, number, RegExp][] = [
      [`${base}?metric=gpu`, 400, /metric must be one of cpu_percent/],
      [`${base}?resolution=fortnight`, 400, /resolution must be "raw"/],
      [`${base}?resolution=5s`, 400, /between 10 s and 30 days/],
      [`${base}?since=yesterday`, 400, /since must be an ISO-8601 time/],
      [
        `${base}?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z`,
        400,
        /since must not be after until/,
      ],
      [
        `${base}?since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z&resolution=1m`,
        400,
        /cap of 2000/,
      ],
      [`/api/v1/servers/00000000-0000-4000-8000-000000000000/metrics`, 404, /was not found/],
      [`/api/v1/servers/not-a-uuid/metrics`, 400, /server_id must be a UUID/],
    ];
    for (const [path, status, message] of cases) {
      const response = await get(path, readonlyToken);
      expect({ path, status: response.status }).toEqual({ path, status });
      expect(response.body.detail).toMatch(message);
    }
    const overCap = await tool(mcp, 'get_metrics', {
      server_id: agentServer,
      since: '2026-01-01T00:00:00Z',
      until: '2026-02-01T00:00:00Z',
      resolution: '1m',
    });
    expect(overCap).toMatchObject({ isError: true, body: { code: 'VALIDATION_FAILED' } });
  });

  it('reads resource usage now from the agent, and says why a server without one cannot be read', async () => {
    const usage = await get(`/api/v1/servers/${agentServer}/resources`, readonlyToken);
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ server_id: agentServer, method: 'agent' });
    expect(usage.body.memory_total_bytes).toBeGreaterThan(0);
    expect(usage.body.memory_used_bytes).toBeLessThanOrEqual(usage.body.memory_total_bytes);
    expect(usage.body.disk_total_bytes).toBeGreaterThan(0);
    expect(usage.body.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(Date.now() - Date.parse(usage.body.sampled_at)).toBeLessThan(30_000);

    const offline = await get(`/api/v1/servers/${deadServer}/resources`, readonlyToken);
    expect(offline.status).toBe(502);
    expect(offline.body.code).toBe('SSH_UNREACHABLE');
    const viaMcp = await tool(mcp, 'get_resource_usage', { server_id: deadServer });
    expect(viaMcp).toMatchObject({ isError: true, body: { code: 'SSH_UNREACHABLE' } });
  });

  it('get_status counts the fleet and lists what needs attention', async () => {
    const status = (await get('/api/v1/status', readonlyToken)).body;
    expect(status.servers).toEqual({ total: 2, by_status: { unreachable: 2 } });
    expect(status.agents).toEqual({ connected: 1, total: 1, by_status: { connected: 1 } });
    expect(status.apps).toEqual({ total: 0, by_status: {} });
    expect(status.last_backup).toBeNull();
    expect(status.open_alerts).toBe(2);
    expect(status.alerts.map((a: any) => [a.kind, a.target_id, a.name]).sort()).toEqual(
      [
        ['server_unreachable', agentServer, 'with-agent'],
        ['server_unreachable', deadServer, 'nothing-there'],
      ].sort(),
    );
    expect(status.alerts[0].message).toEqual(expect.any(String));
    const viaMcp = await tool(mcp, 'get_status');
    expect(viaMcp.body).toEqual(status);
  });

  it('get_dashboard adds each server’s newest metrics', async () => {
    const dashboard = (await tool(mcp, 'get_dashboard')).body;
    expect(dashboard.servers.total).toBe(2);
    // The activity feed saw the agent connect.
    expect(dashboard.recent_activity).toContainEqual(
      expect.objectContaining({ event: 'agent.status_changed', target_id: expect.any(String) }),
    );
    const byId = new Map(dashboard.servers_overview.items.map((s: any) => [s.id, s]));
    expect(byId.get(agentServer)).toMatchObject({
      name: 'with-agent',
      agent_status: 'connected',
      sampled_at: expect.any(String),
      memory_percent: expect.any(Number),
      disk_percent: expect.any(Number),
      cpu_percent: expect.any(Number),
    });
    expect(byId.get(deadServer)).toMatchObject({
      name: 'nothing-there',
      status: 'unreachable',
      sampled_at: null,
      cpu_percent: null,
    });
    const rest = await get('/api/v1/dashboard', readonlyToken);
    expect(rest.status).toBe(200);
    expect(rest.body.servers_overview.total).toBe(2);
  });

  it('serves /metrics as Prometheus text to signed-in callers only', async () => {
    expect((await tomo.request('GET', '/metrics')).status).toBe(401);
    await get(`/api/v1/servers/${agentServer}`, readonlyToken);
    await get('/api/v1/servers/00000000-0000-4000-8000-000000000000', readonlyToken);
    await tool(mcp, 'get_status');
    await tool(mcp, 'no_such_tool');
    const response = await fetch(`${tomo.url}/metrics`, {
      headers: { authorization: `Bearer ${readonlyToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    // Route templates, never raw ids.
    expect(text).toMatch(
      /tomo_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/servers\/:server_id",status_class="2xx"\} [1-9]/,
    );
    expect(text).toMatch(
      /tomo_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/servers\/:server_id",status_class="4xx"\} [1-9]/,
    );
    expect(text).not.toContain(agentServer);
    expect(text).toMatch(/tomo_mcp_tool_calls_total\{tool="get_status",result="success"\} [1-9]/);
    expect(text).toMatch(/tomo_mcp_tool_calls_total\{tool="unknown",result="error"\} [1-9]/);
    expect(text).toMatch(/^tomo_agents_connected 1$/m);
    expect(text).toMatch(/^tomo_ssh_pool_connections \d+$/m);
    expect(text).toMatch(/^tomo_ssh_pool_channels_in_use \d+$/m);
    expect(text).toMatch(/^tomo_ssh_pool_waiting \d+$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
  });

  it('get_system_info reports the host, the database and component versions', async () => {
    const info = (await tool(mcp, 'get_system_info')).body;
    expect(info.os.platform).toBe(process.platform);
    expect(info.cpu.cores).toBeGreaterThan(0);
    expect(info.memory.total_bytes).toBeGreaterThan(0);
    expect(info.disk.total_bytes).toBeGreaterThan(info.disk.free_bytes);
    expect(info.database.size_bytes).toBeGreaterThan(0);
    const tables = new Map(info.database.tables.map((t: any) => [t.table, t]));
    expect(tables.get('servers')).toEqual({ table: 'servers', rows: 2, estimated: false });
    expect(tables.get('metrics')).toMatchObject({ estimated: true });
    expect((tables.get('metrics') as any).rows).toBeGreaterThanOrEqual(6);
    const components = new Map(info.components.map((c: any) => [c.component, c.version]));
    expect(components.get('tomo')).toBe(info.version);
    // The schema version is the last migration applied.
    const LastMigration = MIGRATIONS[MIGRATIONS.length - 1]!;
    expect(components.get('schema')).toBe(new LastMigration().name);
    expect(components.get('node')).toBe(process.version.slice(1));
    expect(components.get('sqlite')).toMatch(/^3\.\d+\.\d+$/);
    expect(components.get('typeorm')).toMatch(/^\d+\.\d+/);
    expect(info.agent_versions).toEqual([{ version: expect.any(String), agents: 1 }]);
  });
});
