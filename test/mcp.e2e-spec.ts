import { ADMIN_PASSWORD, ADMIN_USERNAME, Era, TestTomo } from './support/tomo-harness';

describe.each<Era>(['2026', '2025'])('MCP over the %s protocol era', (era) => {
  let tomo: TestTomo;
  let adminToken: string;

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
  });
  afterAll(() => tomo.stop());

  it('logs in through the public login tool and calls get_current_user with the token', async () => {
    const anonymous = await tomo.mcp(null, era);
    const login = await anonymous.callTool({
      name: 'login',
      arguments: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
    });
    expect(login.isError).toBeFalsy();
    const token = (login.structuredContent as { token: string }).token;
    await anonymous.close();

    const client = await tomo.mcp(token, era);
    const me = await client.callTool({ name: 'get_current_user', arguments: {} });
    expect(me.structuredContent).toMatchObject({ username: ADMIN_USERNAME, role: 'admin' });
    expect(JSON.parse((me.content as { type: string; text: string }[])[0]!.text)).toEqual(
      me.structuredContent,
    );
    await client.close();
  });

  it('lists every tool to an admin with all four annotations', async () => {
    const client = await tomo.mcp(adminToken, era);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['login', 'create_user', 'verify_audit_log', 'get_system_info']),
    );
    for (const tool of tools) {
      expect(Object.keys(tool.annotations ?? {}).sort()).toEqual([
        'destructiveHint',
        'idempotentHint',
        'openWorldHint',
        'readOnlyHint',
      ]);
    }
    await client.close();
  });

  it('returns isError with a code for bad input and writes nothing', async () => {
    const client = await tomo.mcp(adminToken, era);
    const before = (await tomo.request('GET', '/api/v1/users', { token: adminToken })).body.total;
    const result = await client.callTool({
      name: 'create_user',
      arguments: { username: 'x y', password: 1, role: 'root', extra: true },
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await tomo.request('GET', '/api/v1/users', { token: adminToken })).body.total).toBe(
      before,
    );
    await client.close();
  });
});
