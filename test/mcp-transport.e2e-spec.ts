import { postMcp, toolsCallMessage } from './support/raw-mcp';
import { TestTomo } from './support/tomo-harness';

const post = (tomo: TestTomo, body: unknown, headers: Record<string, string> = {}) =>
  postMcp(tomo.url, body, headers);
const toolsCall = toolsCallMessage;
const toolsList = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

describe('MCP transport: Host/Origin, credentials, toolsets', () => {
  let tomo: TestTomo;
  let adminToken: string;

  beforeAll(async () => {
    tomo = await TestTomo.start({ ALLOWED_ORIGINS: 'https://console.example.com' });
    adminToken = await tomo.login();
  });
  afterAll(() => tomo.stop());

  it('refuses a foreign Origin with 403 (DNS rebinding)', async () => {
    const result = await post(tomo, toolsList, {
      authorization: `Bearer ${adminToken}`,
      origin: 'https://evil.example.net',
    });
    expect(result.status).toBe(403);
  });

  it('accepts localhost and configured origins', async () => {
    for (const origin of ['http://localhost:3000', 'https://console.example.com']) {
      const result = await post(tomo, toolsList, { authorization: `Bearer ${adminToken}`, origin });
      expect(result.status).toBe(200);
    }
  });

  it('refuses a foreign Host header with 403', async () => {
    // fetch does not let us set Host; use node:http directly.
    const { request } = await import('node:http');
    const url = new URL(`${tomo.url}/mcp`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/mcp',
          method: 'POST',
          headers: {
            host: 'attacker.example:80',
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${adminToken}`,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(toolsList));
    });
    expect(status).toBe(403);
  });

  it('answers 401 with WWW-Authenticate for a non-public tool without credentials', async () => {
    const result = await post(tomo, toolsCall('list_users'));
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('answers 401 for a bad token even on public tools', async () => {
    const result = await post(tomo, toolsCall('get_version'), {
      authorization: 'Bearer not-a-token',
    });
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it('refuses a token in the query string', async () => {
    const response = await fetch(`${tomo.url}/mcp?access_token=${adminToken}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(toolsCall('list_users')),
    });
    expect(response.status).toBe(401);
  });

  it('lets anonymous callers use the public tools only', async () => {
    const client = await tomo.mcp(null);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'check_health',
      'create_initial_admin',
      'get_version',
      'login',
    ]);
    const version = await client.callTool({ name: 'get_version', arguments: {} });
    expect(version.structuredContent).toMatchObject({ name: 'tomo', api_version: 'v1' });
    await client.close();
  });

  it('narrows tools/list with X-MCP-Toolsets and X-MCP-Readonly', async () => {
    const audit = await tomo.mcp(adminToken, '2026', { 'X-MCP-Toolsets': 'audit' });
    expect((await audit.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'get_logs_by_source',
      'query_audit_log',
      'query_logs',
      'verify_audit_log',
    ]);
    await audit.close();

    const readOnly = await tomo.mcp(adminToken, '2025', { 'X-MCP-Readonly': 'true' });
    const tools = (await readOnly.listTools()).tools;
    expect(tools.length).toBeGreaterThan(3);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    expect(tools.map((t) => t.name)).not.toContain('create_user');
    await readOnly.close();
  });

  it('keeps no server-side session between requests (stateless)', async () => {
    const result = await post(
      tomo,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      },
      { authorization: `Bearer ${adminToken}` },
    );
    expect(result.status).toBe(200);
    expect(result.headers.get('mcp-session-id')).toBeNull();
  });

  it('reports an unknown tool as an error result with a code', async () => {
    const client = await tomo.mcp(adminToken);
    const result = await client.callTool({ name: 'no_such_tool', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ code: 'NOT_FOUND' });
    await client.close();
  });

  it('keeps the tools/list contract stable (snapshot)', async () => {
    const client = await tomo.mcp(adminToken);
    const { tools } = await client.listTools();
    expect(tools).toMatchSnapshot();
    await client.close();
  });
});

describe('MCP transport: malformed requests', () => {
  let tomo: TestTomo;
  beforeAll(async () => {
    tomo = await TestTomo.start();
  });
  afterAll(() => tomo.stop());

  it('answers a body that is not JSON with a JSON-RPC parse error', async () => {
    const response = await fetch(`${tomo.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{"jsonrpc": "2.0", "id": 1, "method": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700 },
    });
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await post(
      tomo,
      toolsCall('login', { username: 'x'.repeat(2_000_000), password: 'y' }),
    );
    expect(response.status).toBe(413);
  });
});
