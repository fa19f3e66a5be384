import type { Client } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ProtocolAgent } from './support/protocol-agent';
import { GOOD_PASSWORD, TestTomo } from './support/tomo-harness';

type Json = Record<string, any>;

/**
 * Settings through REST and MCP with real users: typed values and their errors, admin-only keys,
 * per-user overrides, optimistic versions, reset, the checksum-chained settings audit (and its
 * tamper detection after an edit of the SQLite file), and a change that applies without a restart.
 */
describe('settings: typed, versioned, audited, applied without a restart', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let reader: { id: string; token: string };
  let member: { id: string; token: string };
  const clients: Client[] = [];

  const rest = (method: string, path: string, token: string, body?: unknown) =>
    tomo.request<Json>(method, `/api/v1/settings${path}`, { token, body });

  async function mcp(token: string): Promise<Client> {
    const client = await tomo.mcp(token);
    clients.push(client);
    return client;
  }

  /** A tool's JSON (structuredContent) and whether it is an error result. */
  async function call(client: Client, name: string, args: Json) {
    const result = await client.callTool({ name, arguments: args });
    return { isError: result.isError === true, body: result.structuredContent as Json };
  }

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
    reader = await tomo.createUser('rita-reader', 'readonly', adminToken);
    member = await tomo.createUser('uma-user', 'user', adminToken);
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await tomo.stop();
  });

  describe('reading', () => {
    it('lists system settings sorted by key with their defaults, version 0 and rules', async () => {
      const listed = await rest('GET', '/system', adminToken);
      expect(listed.status).toBe(200);
      const keys = listed.body.items.map((item: Json) => item.key);
      expect(keys).toEqual([...keys].sort());
      expect(listed.body.total).toBe(keys.length);
      expect(keys).toEqual(
        expect.arrayContaining([
          'security.max_login_attempts',
          'security.session_idle_timeout',
          'agent.heartbeat_interval',
          'marketplace.sync_interval',
          'apps.data_root',
        ]),
      );
      expect(
        listed.body.items.find((item: Json) => item.key === 'security.max_login_attempts'),
      ).toEqual({
        key: 'security.max_login_attempts',
        value: 5,
        default: 5,
        type: 'integer',
        category: 'security',
        scope: 'system',
        description: expect.any(String),
        admin_only: true,
        version: 0,
        updated_at: null,
        updated_by: null,
        constraints: { min: 1, max: 100 },
      });
      const security = await rest('GET', '/system?category=security', adminToken);
      expect(security.body.items.map((item: Json) => item.category)).toEqual([
        'security',
        'security',
        'security',
      ]);
    });

    it('shows a readonly user admin-only keys with null values, other keys in full', async () => {
      const secret = await rest('GET', '/system/security.max_login_attempts', reader.token);
      expect(secret.status).toBe(200);
      expect(secret.body).toMatchObject({ value: null, default: null, admin_only: true });
      const open = await rest('GET', '/system/agent.heartbeat_interval', reader.token);
      expect(open.body).toMatchObject({ value: 30, default: 30, admin_only: false });
      const viaMcp = await call(await mcp(reader.token), 'get_setting', {
        key: 'security.account_lockout_duration',
      });
      expect(viaMcp).toMatchObject({ isError: false, body: { value: null, default: null } });
    });

    it('answers an unknown key with 404 naming it, and the wrong scope with 400', async () => {
      const unknown = await rest('GET', '/system/security.max_login_attempt', adminToken);
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
      expect(unknown.body.detail).toContain('security.max_login_attempt was not found');
      expect(unknown.body.detail).toContain('Did you mean security.max_login_attempts');

      const wrongScope = await rest('GET', '/system/ui.theme', adminToken);
      expect([wrongScope.status, wrongScope.body.detail]).toEqual([
        400,
        'ui.theme is a user setting; use scope "user".',
      ]);
      const badScope = await rest('GET', '/global/ui.theme', adminToken);
      expect([badScope.status, badScope.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(badScope.body.detail).toContain('scope must be "system" or "user"');

      const viaMcp = await call(await mcp(adminToken), 'get_setting', { key: 'ui.theme' });
      expect(viaMcp).toEqual({
        isError: true,
        body: expect.objectContaining({ code: 'VALIDATION_FAILED' }),
      });
    });

    it('does not read "audit" as a scope', async () => {
      const trail = await rest('GET', '/audit', adminToken);
      expect(trail.status).toBe(200);
      expect(trail.body).toEqual(expect.objectContaining({ items: expect.any(Array) }));
      expect((await rest('GET', '/audit', reader.token)).status).toBe(403);
    });
  });

  describe('typed values', () => {
    it('refuses a number sent as a string, out-of-range numbers and wrong types with 400', async () => {
      const cases: [string, unknown, string][] = [
        [
          'security.max_login_attempts',
          '5',
          'security.max_login_attempts must be an integer from 1 to 100; got "5" (a string); send the number without quotes',
        ],
        [
          'security.max_login_attempts',
          0,
          'security.max_login_attempts must be an integer from 1 to 100; got 0',
        ],
        [
          'agent.auto_update',
          'false',
          'agent.auto_update must be true or false (a JSON boolean); got "false" (a string)',
        ],
        [
          'apps.data_root',
          '/srv/../etc',
          'apps.data_root must be an absolute path of letters, digits, ".", "_", "-" and "/", without ".." parts; got "/srv/../etc" (a string)',
        ],
      ];
      for (const [key, value, message] of cases) {
        const response = await rest('PUT', `/system/${key}`, adminToken, { value });
        expect({ key, status: response.status, code: response.body.code }).toEqual({
          key,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(response.body.detail).toBe(message);
      }
      const missing = await rest('PUT', '/system/agent.auto_update', adminToken, {});
      expect([missing.status, missing.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const viaMcp = await call(await mcp(adminToken), 'update_setting', {
        key: 'security.max_login_attempts',
        value: 101,
      });
      expect(viaMcp.isError).toBe(true);
      expect(viaMcp.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'security.max_login_attempts must be an integer from 1 to 100; got 101',
      });
      // Nothing was written by any of these.
      expect((await rest('GET', '/audit', adminToken)).body.total).toBe(0);
    });

    it('stores each type and returns it typed, through REST and MCP', async () => {
      const number = await rest('PUT', '/system/marketplace.sync_interval', adminToken, {
        value: 120,
      });
      expect(number.status).toBe(200);
      expect(number.body).toMatchObject({ value: 120, version: 1, updated_by: 'admin' });
      const client = await mcp(adminToken);
      const flag = await call(client, 'update_setting', { key: 'agent.auto_update', value: false });
      expect(flag).toMatchObject({ isError: false, body: { value: false, default: true } });
      const path = await call(client, 'update_setting', {
        key: 'apps.data_root',
        value: '/srv/apps-2',
      });
      expect(path.body).toMatchObject({ value: '/srv/apps-2', version: 1 });
      const read = await call(client, 'get_setting', { key: 'agent.auto_update' });
      expect(read.body).toMatchObject({ value: false, version: 1 });
    });

    it('keeps a secret write-only: sealed in the database, "[secret]" in the audit', async () => {
      const passphrase = 'amber falcon under quiet snow';
      const set = await rest('PUT', '/system/backup.schedule_passphrase', adminToken, {
        value: passphrase,
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ value: null, default: null, is_set: true, version: 1 });
      const db = new Database(join(tomo.dataDirectory, 'tomo.db'), { readonly: true });
      try {
        const dump = JSON.stringify([
          db.prepare('SELECT * FROM system_settings').all(),
          db.prepare('SELECT * FROM settings_audit').all(),
          db.prepare('SELECT * FROM audit_log').all(),
        ]);
        expect(dump).not.toContain(passphrase);
      } finally {
        db.close();
      }
      const trail = await rest('GET', '/audit?key=backup.schedule_passphrase', adminToken);
      expect(trail.body.items[0]).toMatchObject({ old_value: null, new_value: '[secret]' });
      const reset = await rest('DELETE', '/system/backup.schedule_passphrase', adminToken);
      expect(reset.body).toMatchObject({ is_set: false, version: 0 });
    });
  });

  describe('who may change what', () => {
    it('refuses system changes to readonly and user roles (403), on both faces', async () => {
      for (const token of [reader.token, member.token]) {
        const put = await rest('PUT', '/system/agent.heartbeat_interval', token, { value: 60 });
        expect([put.status, put.body.code]).toEqual([403, 'FORBIDDEN']);
        const reset = await rest('DELETE', '/system/agent.heartbeat_interval', token);
        expect([reset.status, reset.body.code]).toEqual([403, 'FORBIDDEN']);
        const viaMcp = await call(await mcp(token), 'update_setting', {
          key: 'agent.heartbeat_interval',
          value: 60,
        });
        expect(viaMcp).toMatchObject({ isError: true, body: { code: 'FORBIDDEN' } });
      }
      const read = await rest('GET', '/system/agent.heartbeat_interval', adminToken);
      expect(read.body).toMatchObject({ value: 30, version: 0 });
    });

    it('gives each user their own overrides of user settings, readonly users included', async () => {
      const mine = await rest('PUT', '/user/ui.theme', reader.token, { value: 'dark' });
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ value: 'dark', version: 1, updated_by: 'rita-reader' });
      const theirs = await call(await mcp(member.token), 'update_setting', {
        key: 'ui.theme',
        scope: 'user',
        value: 'light',
      });
      expect(theirs.body).toMatchObject({ value: 'light', version: 1 });

      expect((await rest('GET', '/user/ui.theme', reader.token)).body.value).toBe('dark');
      expect((await rest('GET', '/user/ui.theme', member.token)).body.value).toBe('light');
      const adminView = await rest('GET', '/user/ui.theme', adminToken);
      expect(adminView.body).toMatchObject({ value: 'system', default: 'system', version: 0 });
      const listed = await call(await mcp(reader.token), 'list_settings', { scope: 'user' });
      expect(listed.body.items.map((item: Json) => [item.key, item.value])).toEqual([
        ['notifications.min_severity', 'info'],
        ['ui.theme', 'dark'],
        ['ui.timezone', 'UTC'],
      ]);

      const reset = await rest('DELETE', '/user/ui.theme', reader.token);
      expect(reset.body).toMatchObject({ value: 'system', version: 0, updated_by: null });
      expect((await rest('GET', '/user/ui.theme', member.token)).body.value).toBe('light');
    });
  });

  describe('versions', () => {
    it('refuses a stale expected_version with 409 naming who changed it and the version', async () => {
      const first = await rest('PUT', '/system/agent.metrics_interval', adminToken, {
        value: 45,
        expected_version: 0,
      });
      expect(first.body.version).toBe(1);
      const stale = await rest('PUT', '/system/agent.metrics_interval', adminToken, {
        value: 50,
        expected_version: 0,
      });
      expect([stale.status, stale.body.code]).toEqual([409, 'CONFLICT']);
      expect(stale.body.detail).toMatch(
        /^agent\.metrics_interval was changed by admin at \d{4}-\d\d-\d\dT[\d:.]+Z; it is now version 1, not version 0\./,
      );
      const viaMcp = await call(await mcp(adminToken), 'update_setting', {
        key: 'agent.metrics_interval',
        value: 50,
        expected_version: 3,
      });
      expect(viaMcp).toMatchObject({ isError: true, body: { code: 'CONFLICT' } });
      expect((await rest('GET', '/system/agent.metrics_interval', adminToken)).body).toMatchObject({
        value: 45,
        version: 1,
      });
      const current = await rest('PUT', '/system/agent.metrics_interval', adminToken, {
        value: 50,
        expected_version: 1,
      });
      expect(current.body).toMatchObject({ value: 50, version: 2 });
    });

    it('reset puts the default back at version 0; writing the same value again is no change', async () => {
      await rest('PUT', '/system/agent.health_interval', adminToken, { value: 90 });
      const again = await rest('PUT', '/system/agent.health_interval', adminToken, { value: 90 });
      expect(again.body).toMatchObject({ value: 90, version: 1 });
      const reset = await call(await mcp(adminToken), 'reset_setting', {
        key: 'agent.health_interval',
      });
      expect(reset.body).toMatchObject({ value: 60, default: 60, version: 0, updated_at: null });
      const trail = await rest('GET', '/audit?key=agent.health_interval', adminToken);
      expect(trail.body.items.map((item: Json) => [item.old_value, item.new_value])).toEqual([
        [90, null],
        [null, 90],
      ]);
    });
  });

  describe('the settings audit', () => {
    it('records every change newest first with chained checksums, for admins only', async () => {
      const trail = await rest('GET', '/audit?limit=500', adminToken);
      expect(trail.status).toBe(200);
      expect(trail.body.chain_valid).toBe(true);
      expect(trail.body.first_invalid_id).toBeNull();
      expect(trail.body.total).toBe(trail.body.items.length);
      const times = trail.body.items.map((item: Json) => item.timestamp);
      expect(times).toEqual([...times].sort().reverse());
      expect(new Set(trail.body.items.map((item: Json) => item.checksum)).size).toBe(
        trail.body.total,
      );
      for (const item of trail.body.items) {
        expect(Object.keys(item).sort()).toEqual([
          'changed_by',
          'checksum',
          'id',
          'new_value',
          'old_value',
          'setting_key',
          'setting_scope',
          'timestamp',
          'user_id',
        ]);
        expect(item.checksum).toMatch(/^[0-9a-f]{64}$/);
      }
      const overrides = trail.body.items.filter((item: Json) => item.setting_scope === 'user');
      expect(overrides.map((item: Json) => item.user_id)).toEqual(
        expect.arrayContaining([reader.id, member.id]),
      );
      const viaMcp = await call(await mcp(adminToken), 'get_settings_audit', {
        key: 'agent.metrics_interval',
      });
      expect(viaMcp.body.items.map((item: Json) => item.new_value)).toEqual([50, 45]);
      const refused = await call(await mcp(member.token), 'get_settings_audit', {});
      expect(refused).toMatchObject({ isError: true, body: { code: 'FORBIDDEN' } });
      // The general audit log has one row per change too.
      const logged = await tomo.request<Json>('GET', '/api/v1/audit?action=setting.update', {
        token: adminToken,
      });
      expect(logged.body.items[0]).toMatchObject({ target_type: 'setting', result: 'success' });
    });

    it('shows a row edited directly in the SQLite file as a broken chain', async () => {
      const db = new Database(join(tomo.dataDirectory, 'tomo.db'));
      let edited: { id: string };
      try {
        edited = db
          .prepare(
            "SELECT id FROM settings_audit WHERE setting_key = 'marketplace.sync_interval' ORDER BY seq LIMIT 1",
          )
          .get() as { id: string };
        db.prepare("UPDATE settings_audit SET new_value = '5' WHERE id = ?").run(edited.id);
      } finally {
        db.close();
      }
      const trail = await rest('GET', '/audit', adminToken);
      expect(trail.body).toMatchObject({ chain_valid: false, first_invalid_id: edited.id });
      const viaMcp = await call(await mcp(adminToken), 'get_settings_audit', { limit: 1 });
      expect(viaMcp.body).toMatchObject({ chain_valid: false, first_invalid_id: edited.id });
    });
  });

  it('applies agent settings without a restart: code lifetime, handshake config, config.update', async () => {
    const api = (method: string, path: string, body?: unknown) =>
      tomo.request<Json>(method, path, { token: adminToken, body });
    // An address nothing listens on: no SSH is needed to register an agent.
    const server = await api('POST', '/api/v1/servers', {
      hostname: '127.0.0.1',
      port: 1,
      username: 'nobody',
      credential: 'unused',
    });
    await rest('PUT', '/system/agent.registration_code_ttl', adminToken, { value: 600 });
    const before = Date.now();
    const issued = await api('POST', `/api/v1/servers/${server.body.id}/agent`);
    expect(issued.status).toBe(201);
    const lifetime = Date.parse(issued.body.expires_at) - before;
    expect(lifetime).toBeGreaterThan(590_000);
    expect(lifetime).toBeLessThanOrEqual(601_000);

    await rest('PUT', '/system/agent.reconnect_timeout', adminToken, { value: 12 });
    const agent = await ProtocolAgent.connect(`${tomo.url.replace(/^http/, 'ws')}/ws/agent`);
    try {
      agent.handlers['config.update'] = () => ({ status: 'ok' });
      const reply = await agent.register(issued.body.registration_code);
      expect(reply.type).toBe('registered');
      expect(reply.config).toMatchObject({ reconnect_timeout: 12, metrics_interval: 50 });

      await rest('PUT', '/system/agent.health_interval', adminToken, { value: 120 });
      const pushed = await agent.next((frame) => frame.method === 'config.update');
      expect(pushed.params).toEqual({ health_interval: 120 });
      await rest('DELETE', '/system/agent.health_interval', adminToken);
      const reset = await agent.next(
        (frame) => frame.method === 'config.update' && frame !== pushed,
      );
      expect(reset.params).toEqual({ health_interval: 60 });
    } finally {
      agent.close();
    }
  });

  it('applies a change without a restart: max_login_attempts 2 locks on the next failure', async () => {
    await tomo.createUser('lena-locked', 'user', adminToken);
    const login = (password: string) =>
      tomo.request<Json>('POST', '/api/v1/auth/login', {
        body: { username: 'lena-locked', password },
      });
    const set = await rest('PUT', '/system/security.max_login_attempts', adminToken, { value: 2 });
    expect(set.status).toBe(200);
    expect((await login('wrong password one')).status).toBe(401);
    expect((await login('wrong password two')).status).toBe(401);
    const third = await login(GOOD_PASSWORD);
    expect([third.status, third.body.code]).toEqual([423, 'ACCOUNT_LOCKED']);
  });
});
