import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { callTool, withDb } from './support/jwt-forge';
import { GOOD_PASSWORD, HttpResult, TestTomo } from './support/tomo-harness';

/** No admin from the environment and no generated one: the setup door stays open. */
const SETUP_REQUIRED = {
  TOMO_ADMIN_USERNAME: '',
  TOMO_ADMIN_PASSWORD: '',
  TOMO_GENERATE_ADMIN: 'false',
};
const FIRST_ADMIN = 'first-admin';

const problem = (result: HttpResult) => [result.status, result.body?.code];
const countUsers = (tomo: TestTomo, where = '1 = 1') =>
  withDb(tomo.dataDirectory, (db) => {
    const row = db.prepare(`SELECT COUNT(*) AS n FROM users WHERE ${where}`).get() as { n: number };
    return row.n;
  });

describe('first-admin setup (checklist 8)', () => {
  let tomo: TestTomo;
  let race: TestTomo;
  let generated: TestTomo;

  beforeAll(async () => {
    [tomo, race, generated] = await Promise.all([
      TestTomo.start(SETUP_REQUIRED),
      TestTomo.start(SETUP_REQUIRED),
      // TOMO_GENERATE_ADMIN left at its default (true), no admin in the environment.
      TestTomo.start({ TOMO_ADMIN_USERNAME: '', TOMO_ADMIN_PASSWORD: '' }),
    ]);
  });
  afterAll(() => Promise.all([tomo.stop(), race.stop(), generated.stop()]));

  const setup = (on: TestTomo, body: Record<string, unknown>) =>
    on.request('POST', '/api/v1/setup', { body });

  it('starts with no user at all and offers create_initial_admin to anonymous MCP callers', async () => {
    expect(countUsers(tomo)).toBe(0);
    const client = await tomo.mcp(null);
    const { tools } = await client.listTools();
    await client.close();
    expect(tools.map((tool) => tool.name)).toContain('create_initial_admin');
  });

  it('refuses weak passwords with 422 PASSWORD_REJECTED and writes nothing', async () => {
    for (const password of [
      'short',
      'abcdefghijklmn',
      'iloveyouforever',
      `${FIRST_ADMIN} owns this server`,
    ]) {
      const result = await setup(tomo, { username: FIRST_ADMIN, password });
      expect(problem(result)).toEqual([422, 'PASSWORD_REJECTED']);
      expect(result.body.detail).toEqual(expect.any(String));
    }
    const viaMcp = await callTool(tomo, null, 'create_initial_admin', {
      username: FIRST_ADMIN,
      password: 'iloveyouforever',
    });
    expect([viaMcp.isError, viaMcp.structuredContent.code]).toEqual([true, 'PASSWORD_REJECTED']);
    const extraField = await setup(tomo, {
      username: FIRST_ADMIN,
      password: GOOD_PASSWORD,
      role: 'readonly',
    });
    expect(problem(extraField)).toEqual([400, 'VALIDATION_FAILED']);
    expect(countUsers(tomo)).toBe(0);
    const login = await tomo.request('POST', '/api/v1/auth/login', {
      body: { username: FIRST_ADMIN, password: GOOD_PASSWORD },
    });
    expect(login.status).toBe(401);
  });

  it('creates the first admin with 201, who can then log in', async () => {
    const result = await setup(tomo, {
      username: FIRST_ADMIN,
      password: GOOD_PASSWORD,
      email: 'first@example.com',
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ username: FIRST_ADMIN, role: 'admin', is_active: true });
    expect(JSON.stringify(result.body)).not.toMatch(/password/i);
    const token = await tomo.login(FIRST_ADMIN, GOOD_PASSWORD);
    const me = await tomo.request('GET', '/api/v1/auth/me', { token });
    expect(me.body).toMatchObject({ username: FIRST_ADMIN, role: 'admin' });
    expect(countUsers(tomo)).toBe(1);
  });

  it('closes the door for good once an admin exists: 410 and SETUP_CLOSED over MCP', async () => {
    const again = await setup(tomo, { username: 'second-admin', password: GOOD_PASSWORD });
    expect(problem(again)).toEqual([410, 'SETUP_CLOSED']);
    const token = await tomo.login(FIRST_ADMIN, GOOD_PASSWORD);
    for (const caller of [null, token]) {
      const viaMcp = await callTool(tomo, caller, 'create_initial_admin', {
        username: 'mcp-admin',
        password: GOOD_PASSWORD,
      });
      expect([viaMcp.isError, viaMcp.structuredContent.code]).toEqual([true, 'SETUP_CLOSED']);
    }
    // The existing admin's own name gets the same answer (no re-creation, no overwrite).
    const sameName = await setup(tomo, { username: FIRST_ADMIN, password: GOOD_PASSWORD });
    expect(problem(sameName)).toEqual([410, 'SETUP_CLOSED']);
    expect(countUsers(tomo)).toBe(1);
  });

  it('lets exactly one of 5 concurrent setup calls (REST and MCP) through', async () => {
    const credentials = (n: number) => ({ username: `racer-${n}`, password: GOOD_PASSWORD });
    const outcomes = await Promise.all([
      ...[1, 2, 3].map(async (n) => {
        const result = await setup(race, credentials(n));
        return { ok: result.status === 201, status: result.status, code: result.body.code, n };
      }),
      ...[4, 5].map(async (n) => {
        const result = await callTool(race, null, 'create_initial_admin', credentials(n));
        return { ok: !result.isError, status: 0, code: result.structuredContent.code, n };
      }),
    ]);
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => !o.ok)) {
      expect(outcome.code).toBe('SETUP_CLOSED');
      if (outcome.status) expect(outcome.status).toBe(410);
    }
    expect(countUsers(race)).toBe(1);
    expect(countUsers(race, "role = 'admin'")).toBe(1);
    const winner = outcomes.find((outcome) => outcome.ok)!.n;
    expect(await race.login(`racer-${winner}`, GOOD_PASSWORD)).toEqual(expect.any(String));
  });

  it('generates an admin password into initial-admin-password (0600) when nothing is configured', async () => {
    const file = join(generated.dataDirectory, 'initial-admin-password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    const token = await generated.login('admin', password);
    const me = await generated.request('GET', '/api/v1/auth/me', { token });
    expect(me.body).toMatchObject({ username: 'admin', role: 'admin' });
    const setupAfter = await setup(generated, { username: 'late-admin', password: GOOD_PASSWORD });
    expect(problem(setupAfter)).toEqual([410, 'SETUP_CLOSED']);
  });
});
