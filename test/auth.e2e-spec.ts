import { createHash } from 'node:crypto';
import * as support from './support/jwt-forge';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  GOOD_PASSWORD,
  HttpResult,
  TestTomo,
} from './support/tomo-harness';

const ME = '/api/v1/auth/me';
const NEW_PASSWORD = 'seven otters drifting past the mill';
const WRONG = 'definitely not the right password';
/** Exactly 72 ASCII bytes: the most bcrypt reads. */
const PASSWORD_72 = 'grape lantern violet harbor '.repeat(3).slice(0, 72);
const PASSWORD_64 = 'quiet copper kettles hum softly while autumn rain falls on roofs.';

const jti = (token: string) => support.decodeJwt(token).claims.jti as string;
const problem = (result: HttpResult) => [result.status, result.body?.code];
const usernames = (items: { username: string }[]) => items.map((item) => item.username);
const INVALID = [400, 'VALIDATION_FAILED'];
const USER_FIELDS = 'created_at email id is_active last_login_at role username'.split(' ');

describe('authentication, accounts and credentials', () => {
  let tomo: TestTomo;
  let adminToken: string;
  /** Every response body seen by this file (checklist 19 looks through them at the end). */
  const seen: string[] = [];

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
  });
  afterAll(() => tomo.stop());

  async function rest(method: string, path: string, token?: string, body?: unknown) {
    const result = await tomo.request(method, path, { token, body });
    seen.push(JSON.stringify(result.body));
    return result;
  }
  const status = async (method: string, path: string, token?: string, body?: unknown) =>
    (await rest(method, path, token, body)).status;
  async function tool(token: string | null, name: string, args = {}): Promise<support.ToolResult> {
    const result = await support.callTool(tomo, token, name, args);
    seen.push(JSON.stringify(result));
    return result;
  }
  const login = (username: string, password: string) =>
    rest('POST', '/api/v1/auth/login', undefined, { username, password });
  const db = <T>(work: Parameters<typeof support.withDb<T>>[1]) =>
    support.withDb(tomo.dataDirectory, work);

  describe('login and logout', () => {
    it('logs in, and logout makes the token fail at once with 401', async () => {
      const result = await login(ADMIN_USERNAME, ADMIN_PASSWORD);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ token_type: 'Bearer', user: { username: 'admin' } });
      const token = result.body.token as string;
      expect(await status('GET', ME, token)).toBe(200);
      expect((await rest('POST', '/api/v1/auth/logout', token)).body).toEqual({ success: true });
      expect(problem(await rest('GET', ME, token))).toEqual([401, 'UNAUTHORIZED']);
    });

    it('gives an unknown user and a wrong password the same status and body (checklist 5)', async () => {
      await tomo.createUser('same-answer', 'user', adminToken);
      const inactive = await tomo.createUser('same-inactive', 'user', adminToken);
      await rest('PATCH', `/api/v1/users/${inactive.id}`, adminToken, { is_active: false });
      const strip = ({ body }: HttpResult) => ({ ...body, request_id: 0, instance: 0 });
      const unknown = await login('nobody-at-all', WRONG);
      const wrong = await login('same-answer', WRONG);
      const disabled = await login('same-inactive', GOOD_PASSWORD);
      expect(problem(unknown)).toEqual([401, 'UNAUTHORIZED']);
      expect([wrong.status, disabled.status]).toEqual([unknown.status, unknown.status]);
      expect(strip(wrong)).toEqual(strip(unknown));
      expect(strip(disabled)).toEqual(strip(unknown));
      const viaMcp = [
        await tool(null, 'login', { username: 'nobody-at-all', password: WRONG }),
        await tool(null, 'login', { username: 'same-answer', password: WRONG }),
      ];
      expect(viaMcp[0]!.isError).toBe(true);
      expect(viaMcp[1]!.structuredContent).toEqual(viaMcp[0]!.structuredContent);
    });
  });

  describe('lockout (checklist 4)', () => {
    const fail = async (username: string, times: number) => {
      for (let i = 0; i < times; i++) expect((await login(username, WRONG)).status).toBe(401);
    };

    it('locks after 5 failures: 423 ACCOUNT_LOCKED even with the right password', async () => {
      await tomo.createUser('lock-victim', 'user', adminToken);
      await fail('lock-victim', 5);
      expect(problem(await login('lock-victim', GOOD_PASSWORD))).toEqual([423, 'ACCOUNT_LOCKED']);
      const creds = { username: 'lock-victim', password: GOOD_PASSWORD };
      const viaMcp = await tool(null, 'login', creds);
      expect([viaMcp.isError, viaMcp.structuredContent.code]).toEqual([true, 'ACCOUNT_LOCKED']);
    });

    it('locks a username that does not exist the same way', async () => {
      await fail('ghost-user', 5);
      expect(problem(await login('ghost-user', GOOD_PASSWORD))).toEqual([423, 'ACCOUNT_LOCKED']);
    });

    it('resets the counter on a success before the 5th failure', async () => {
      await tomo.createUser('lock-reset', 'user', adminToken);
      await fail('lock-reset', 4);
      expect((await login('lock-reset', GOOD_PASSWORD)).status).toBe(200);
      await fail('lock-reset', 4);
      expect((await login('lock-reset', GOOD_PASSWORD)).status).toBe(200);
    });

    it('lists locked accounts to admins only, over REST and MCP', async () => {
      const listed = await rest('GET', '/api/v1/users/locked', adminToken);
      expect(listed.status).toBe(200);
      const victim = listed.body.items.find((i: any) => i.username === 'lock-victim');
      expect(victim).toMatchObject({ attempts: 5 });
      const lockSeconds = (Date.parse(victim.locked_until) - Date.now()) / 1000;
      expect(lockSeconds).toBeGreaterThan(800); // security.account_lockout_duration: 900 s
      expect(lockSeconds).toBeLessThanOrEqual(900);
      expect(usernames(listed.body.items)).toContain('ghost-user');
      expect(usernames(listed.body.items)).not.toContain('lock-reset');
      const viaMcp = await tool(adminToken, 'list_locked_accounts');
      expect(usernames(viaMcp.structuredContent.items)).toContain('lock-victim');
      const user = await tomo.createUser('not-an-admin', 'user', adminToken);
      expect(await status('GET', '/api/v1/users/locked', user.token)).toBe(403);
    });

    it('unlocks over REST and MCP, audited, and the right password works again', async () => {
      const body = { username: 'lock-victim' };
      const unlocked = await rest('POST', '/api/v1/users/unlock', adminToken, body);
      expect([unlocked.status, unlocked.body]).toEqual([200, { success: true }]);
      expect((await login('lock-victim', GOOD_PASSWORD)).status).toBe(200);
      const viaMcp = await tool(adminToken, 'unlock_account', { username: 'ghost-user' });
      expect(viaMcp.isError).toBeFalsy();
      const audit = await rest('GET', '/api/v1/audit?action=account.unlocked', adminToken);
      expect(audit.body.items.map((e: any) => [e.target_id, e.actor_name, e.result])).toEqual(
        expect.arrayContaining([
          ['lock-victim', ADMIN_USERNAME, 'success'],
          ['ghost-user', ADMIN_USERNAME, 'success'],
        ]),
      );
      const locked = await rest('GET', '/api/v1/users/locked', adminToken);
      expect(usernames(locked.body.items)).not.toContain('lock-victim');
    });
  });

  describe('per-IP login rate limit (checklist 6)', () => {
    let direct: TestTomo;
    let proxied: TestTomo;
    beforeAll(async () => {
      [direct, proxied] = await Promise.all([
        TestTomo.start({ LOGIN_RATE_LIMIT_PER_MINUTE: '3' }),
        TestTomo.start({ LOGIN_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' }),
      ]);
    });
    afterAll(() => Promise.all([direct.stop(), proxied.stop()]));

    const attempt = (on: TestTomo, forwardedFor?: string) =>
      on.request('POST', '/api/v1/auth/login', {
        body: { username: 'rl', password: WRONG },
        headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      });

    it('answers the 4th attempt with 429 and Retry-After; a spoofed X-Forwarded-For does not help', async () => {
      for (let i = 0; i < 3; i++) expect((await attempt(direct)).status).toBe(401);
      const limited = await attempt(direct);
      expect(problem(limited)).toEqual([429, 'RATE_LIMITED']);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(problem(await attempt(direct, '203.0.113.9'))).toEqual([429, 'RATE_LIMITED']);
      const viaMcp = await support.callTool(direct, null, 'login', {
        username: 'rl',
        password: WRONG,
      });
      expect(viaMcp.structuredContent.code).toBe('RATE_LIMITED');
    });

    it('with TRUST_PROXY=loopback counts a different X-Forwarded-For as a different client', async () => {
      for (let i = 0; i < 3; i++) expect((await attempt(proxied, '198.51.100.1')).status).toBe(401);
      expect((await attempt(proxied, '198.51.100.1')).status).toBe(429);
      expect((await attempt(proxied, '198.51.100.2')).status).toBe(401);
      // Entries the client prepends are not trusted: the proxy's (last) entry is the client.
      expect((await attempt(proxied, '203.0.113.5, 198.51.100.1')).status).toBe(429);
    });
  });

  describe('password policy (checklist 1, 2, 3, 7)', () => {
    const cases: [string, (username: string) => string, RegExp | null][] = [
      ['14 characters', () => 'abcdefghijklmn', /at least 15/],
      ['64 characters', () => PASSWORD_64, null],
      ['a blocklisted password', () => 'iloveyouforever', /common/],
      ['the username inside', (u) => `${u.toUpperCase()} grows by the garden gate`, /pw-/i],
    ];

    const user = (face: string, what: string, password: (username: string) => string) => {
      const username = `pw-${face}-${what.replace(/[^a-z0-9]+/g, '-')}`;
      return { username, password: password(username), role: 'user' };
    };

    it.each(cases)('create_user with %s over REST and MCP', async (what, password, reason) => {
      const viaRest = await rest('POST', '/api/v1/users', adminToken, user('rest', what, password));
      const viaMcp = await tool(adminToken, 'create_user', user('mcp', what, password));
      if (reason === null) return expect([viaRest.status, !!viaMcp.isError]).toEqual([201, false]);
      expect(problem(viaRest)).toEqual([422, 'PASSWORD_REJECTED']);
      expect(viaRest.body.detail).toMatch(reason);
      expect([viaMcp.isError, viaMcp.structuredContent.code]).toEqual([true, 'PASSWORD_REJECTED']);
      expect(viaMcp.structuredContent.message).toMatch(reason);
    });

    it('logs in with exactly 72 bytes, never with the same password plus more', async () => {
      expect(Buffer.byteLength(PASSWORD_72)).toBe(72);
      const body = { username: 'bytes72', password: PASSWORD_72, role: 'user' };
      expect(await status('POST', '/api/v1/users', adminToken, body)).toBe(201);
      expect((await login('bytes72', PASSWORD_72)).status).toBe(200);
      expect((await login('bytes72', `${PASSWORD_72}X`)).status).toBe(401);
      expect((await login('bytes72', `${PASSWORD_72} and then some more`)).status).toBe(401);
      const tooLong = { username: 'bytes73', password: `${PASSWORD_72}Z`, role: 'user' };
      expect(await status('POST', '/api/v1/users', adminToken, tooLong)).toBe(422);
    });

    it('stores bcrypt $2b$ with cost 12 and never the password', () => {
      const rows: any[] = db((d) => d.prepare('SELECT password_hash FROM users').all());
      expect(rows.length).toBeGreaterThan(3);
      for (const row of rows) expect(row.password_hash).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
      for (const password of [GOOD_PASSWORD, PASSWORD_64, PASSWORD_72]) {
        expect(JSON.stringify(rows)).not.toContain(password);
      }
    });
  });

  describe('change_password', () => {
    const change = (token: string, current: string) =>
      rest('POST', '/api/v1/auth/password', token, {
        current_password: current,
        new_password: NEW_PASSWORD,
      });

    it('refuses a wrong current password with 401 and changes nothing', async () => {
      const { token } = await tomo.createUser('pw-changer', 'user', adminToken);
      const other = await tomo.login('pw-changer', GOOD_PASSWORD);
      const hash = () =>
        db((d) => d.prepare("SELECT password_hash FROM users WHERE username = 'pw-changer'").get());
      const before = hash();
      expect(problem(await change(token, WRONG))).toEqual([401, 'UNAUTHORIZED']);
      const weak = { current_password: GOOD_PASSWORD, new_password: 'iloveyouforever' };
      const refused = await rest('POST', '/api/v1/auth/password', token, weak);
      expect(problem(refused)).toEqual([422, 'PASSWORD_REJECTED']);
      expect(hash()).toEqual(before);
      expect(await status('GET', ME, token)).toBe(200);
      expect(await status('GET', ME, other)).toBe(200);
      expect((await login('pw-changer', NEW_PASSWORD)).status).toBe(401);
    });

    it('ends the other sessions of the user and keeps the current one', async () => {
      const current = await tomo.login('pw-changer', GOOD_PASSWORD);
      const other = await tomo.login('pw-changer', GOOD_PASSWORD);
      expect((await change(current, GOOD_PASSWORD)).status).toBe(200);
      expect(await status('GET', ME, current)).toBe(200);
      expect(await status('GET', ME, other)).toBe(401);
      expect((await login('pw-changer', GOOD_PASSWORD)).status).toBe(401);
      expect((await login('pw-changer', NEW_PASSWORD)).status).toBe(200);
    });
  });

  describe('sessions', () => {
    let alice: { id: string; token: string };
    let aliceSecond: string;
    let bob: { id: string; token: string };
    beforeAll(async () => {
      alice = await tomo.createUser('sess-alice', 'user', adminToken);
      aliceSecond = await tomo.login('sess-alice', GOOD_PASSWORD);
      bob = await tomo.createUser('sess-bob', 'user', adminToken);
    });

    it('lists only the caller’s sessions, with current: true on the caller’s', async () => {
      const listed = await rest('GET', '/api/v1/sessions', alice.token);
      const byId = new Map(listed.body.items.map((s: any) => [s.id, s]));
      expect(byId.get(jti(alice.token))).toMatchObject({ current: true, user_id: alice.id });
      expect(byId.get(jti(aliceSecond))).toMatchObject({ current: false, user_id: alice.id });
      expect(listed.body.items.every((s: any) => s.user_id === alice.id)).toBe(true);
      const viaMcp = await tool(aliceSecond, 'list_sessions');
      const current = viaMcp.structuredContent.items.filter((s: any) => s.current);
      expect(current.map((s: any) => s.id)).toEqual([jti(aliceSecond)]);
    });

    it("answers 404 to a non-admin terminating another user's session, which keeps working", async () => {
      const path = `/api/v1/sessions/${jti(aliceSecond)}`;
      expect(problem(await rest('DELETE', path, bob.token))).toEqual([404, 'NOT_FOUND']);
      const viaMcp = await tool(bob.token, 'terminate_session', { session_id: jti(aliceSecond) });
      expect(viaMcp.structuredContent.code).toBe('NOT_FOUND');
      expect(await status('GET', ME, aliceSecond)).toBe(200);
    });

    it('lets an admin list another user’s sessions with user_id; a non-admin gets 403', async () => {
      const path = `/api/v1/sessions?user_id=${alice.id}`;
      const asAdmin = await rest('GET', path, adminToken);
      expect(asAdmin.body.items.map((s: any) => s.id)).toContain(jti(alice.token));
      expect(asAdmin.body.items.every((s: any) => s.user_id === alice.id)).toBe(true);
      expect(problem(await rest('GET', path, bob.token))).toEqual([403, 'FORBIDDEN']);
      const viaMcp = await tool(bob.token, 'list_sessions', { user_id: alice.id });
      expect(viaMcp.structuredContent.code).toBe('FORBIDDEN');
    });

    it('terminates the caller’s own other session at once', async () => {
      expect(await status('DELETE', `/api/v1/sessions/${jti(aliceSecond)}`, alice.token)).toBe(200);
      expect(await status('GET', ME, aliceSecond)).toBe(401);
    });
  });

  describe('API tokens', () => {
    let owner: { id: string; token: string };
    beforeAll(async () => {
      owner = await tomo.createUser('tok-owner', 'user', adminToken);
    });
    const create = (token: string, body: Record<string, unknown>) =>
      rest('POST', '/api/v1/api-tokens', token, body);

    it('shows the token once, lists no secret, stores only its SHA-256, and works on REST and MCP', async () => {
      const created = await create(owner.token, { name: 'ci' });
      expect(created.status).toBe(201);
      const [secret, secretId] = [created.body.token as string, created.body.id as string];
      expect(secret).toMatch(/^tomo_/);
      const sha = createHash('sha256').update(secret).digest('hex');
      const listed = await rest('GET', '/api/v1/api-tokens', owner.token);
      expect(listed.body.items.map((t: any) => t.id)).toContain(secretId);
      const listedText = JSON.stringify(listed.body);
      for (const leak of [secret, sha, '"token"', 'hash']) expect(listedText).not.toContain(leak);
      const row: any = db((d) => d.prepare('SELECT * FROM api_tokens WHERE id = ?').get(secretId));
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.token_hash).toBe(sha);
      expect(JSON.stringify(row)).not.toContain(secret);
      expect((await rest('GET', ME, secret)).body.username).toBe('tok-owner');
      expect((await tool(secret, 'get_current_user')).structuredContent.username).toBe('tok-owner');

      const intruder = await tomo.createUser('tok-intruder', 'user', adminToken);
      const path = `/api/v1/api-tokens/${secretId}`;
      expect(await status('DELETE', path, intruder.token)).toBe(404);
      expect(await status('GET', ME, secret)).toBe(200);
      expect(await status('DELETE', path, owner.token)).toBe(200);
      expect(await status('GET', ME, secret)).toBe(401);
      expect((await support.rawMcpToolCall(tomo.url, secret, 'get_current_user')).status).toBe(401);
    });

    it('a read_only token reads but cannot change anything over REST or MCP', async () => {
      const created = await create(adminToken, { name: 'ro', read_only: true });
      const ro = created.body.token as string;
      expect(await status('GET', '/api/v1/users', ro)).toBe(200);
      const newUser = { username: 'ro-made', password: GOOD_PASSWORD, role: 'user' };
      for (const write of [
        await rest('POST', '/api/v1/users', ro, newUser),
        await rest('PATCH', `/api/v1/users/${owner.id}`, ro, { role: 'readonly' }),
        await rest('DELETE', `/api/v1/api-tokens/${created.body.id}`, ro),
      ])
        expect(problem(write)).toEqual([403, 'FORBIDDEN']);
      const listTools = async (token: string | null) => {
        const client = await tomo.mcp(token);
        const { tools } = await client.listTools();
        await client.close();
        return tools;
      };
      const tools = await listTools(ro);
      const anonymous = (await listTools(null)).map((t) => t.name);
      expect(tools.map((t) => t.name)).toContain('list_users');
      // Only the public tools (login, create_initial_admin) that anyone sees may write.
      const writers = tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name);
      expect(writers.filter((name) => !anonymous.includes(name))).toEqual([]);
      for (const [name, args] of [
        ['create_user', newUser],
        ['delete_user', { user_id: owner.id }],
      ] as const) {
        const result = await tool(ro, name, args);
        expect([result.isError, result.structuredContent.code]).toEqual([true, 'FORBIDDEN']);
      }
      const users = await rest('GET', '/api/v1/users?limit=200', adminToken);
      expect(users.body.items.find((u: any) => u.id === owner.id).role).toBe('user');
      expect(usernames(users.body.items)).not.toContain('ro-made');
    });

    it('refuses an expired token with 401', async () => {
      const created = await create(owner.token, { name: 'old', expires_in_days: 1 });
      expect(await status('GET', ME, created.body.token)).toBe(200);
      const past = new Date(Date.now() - 1000).toISOString();
      const sql = 'UPDATE api_tokens SET expires_at = ? WHERE id = ?';
      db((d) => d.prepare(sql).run(past, created.body.id));
      expect(await status('GET', ME, created.body.token)).toBe(401);
    });
  });

  describe('user management', () => {
    it('creates, lists, updates, resets the password of and deletes a user', async () => {
      const body = { username: 'managed', password: GOOD_PASSWORD, role: 'user', email: 'm@x.io' };
      const created = await rest('POST', '/api/v1/users', adminToken, body);
      expect(created.status).toBe(201);
      expect(Object.keys(created.body).sort()).toEqual(USER_FIELDS);
      const path = `/api/v1/users/${created.body.id}`;
      const before = await tomo.login('managed', GOOD_PASSWORD);
      const listed = await rest('GET', '/api/v1/users?limit=200', adminToken);
      expect(usernames(listed.body.items)).toContain('managed');
      const updated = await rest('PATCH', path, adminToken, { role: 'readonly' });
      expect(updated.body).toMatchObject({ role: 'readonly', email: 'm@x.io' });
      const reset = { new_password: NEW_PASSWORD };
      expect(await status('POST', `${path}/password`, adminToken, reset)).toBe(200);
      expect(await status('GET', ME, before)).toBe(401);
      expect((await login('managed', GOOD_PASSWORD)).status).toBe(401);
      expect((await login('managed', NEW_PASSWORD)).status).toBe(200);
      const args = { user_id: created.body.id, is_active: false };
      expect((await tool(adminToken, 'update_user', args)).structuredContent.is_active).toBe(false);
      expect(await status('DELETE', path, adminToken)).toBe(200);
      const after = await rest('GET', '/api/v1/users?limit=200', adminToken);
      expect(usernames(after.body.items)).not.toContain('managed');
    });

    it('refuses to delete or demote the last admin with 409 CONFLICT', async () => {
      const me = (await rest('GET', ME, adminToken)).body;
      const path = `/api/v1/users/${me.id}`;
      for (const result of [
        await rest('DELETE', path, adminToken),
        await rest('PATCH', path, adminToken, { role: 'user' }),
        await rest('PATCH', path, adminToken, { is_active: false }),
      ])
        expect(problem(result)).toEqual([409, 'CONFLICT']);
      const viaMcp = await tool(adminToken, 'delete_user', { user_id: me.id });
      expect(viaMcp.structuredContent.code).toBe('CONFLICT');
      expect((await rest('GET', ME, adminToken)).body.role).toBe('admin');
    });

    it('refuses unknown or forbidden body fields with 400 (checklist 20)', async () => {
      const target = await tomo.createUser('fields-target', 'user', adminToken);
      const path = `/api/v1/users/${target.id}`;
      for (const body of [
        { password_hash: '$2b$04$abcdefghijklmnopqrstuu' },
        { id: '00000000-0000-4000-8000-000000000000' },
        { role: 'admin', passwordHash: 'x' },
        { user_id: target.id, role: 'admin' },
      ])
        expect(problem(await rest('PATCH', path, adminToken, body))).toEqual(INVALID);
      const withRole = { name: 'x', role: 'admin' };
      const tokenResult = await rest('POST', '/api/v1/api-tokens', target.token, withRole);
      expect(problem(tokenResult)).toEqual(INVALID);
      const args = { user_id: target.id, password_hash: 'x' };
      expect((await tool(adminToken, 'update_user', args)).structuredContent.code).toBe(INVALID[1]);
      expect((await rest('GET', ME, target.token)).body.role).toBe('user');
      const allowed = await rest('PATCH', path, adminToken, { role: 'readonly' });
      expect([allowed.status, allowed.body.role]).toEqual([200, 'readonly']);
    });
  });

  it('never answers with a password hash, a token hash or the JWT secret (checklist 19)', async () => {
    const paths = ['users?limit=200', 'auth/me', 'sessions', 'api-tokens', 'audit?limit=200'];
    for (const path of paths) expect(await status('GET', `/api/v1/${path}`, adminToken)).toBe(200);
    await tool(adminToken, 'list_users', { limit: 200 });
    await tool(adminToken, 'query_audit_log', { limit: 200 });
    const secrets = db((d) => [
      ...d.prepare('SELECT password_hash AS v FROM users').all(),
      ...d.prepare('SELECT token_hash AS v FROM api_tokens').all(),
    ]).map((row) => (row as { v: string }).v);
    secrets.push(support.jwtSecretOf(tomo.dataDirectory));
    expect(secrets.length).toBeGreaterThan(10);
    const all = seen.join('\n');
    for (const field of ['password_hash', 'passwordHash', 'token_hash', 'tokenHash']) {
      expect(all).not.toContain(`"${field}"`);
    }
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
