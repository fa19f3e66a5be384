import type { Client } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { auditHash, GENESIS_HASH } from '../src/audit/audit-chain';
import type { AuditEntryEntity } from '../src/audit/audit-entry.entity';
import { TestTomo } from './support/tomo-harness';

const DAY = 86_400_000;
const daysAgo = (days: number): string => new Date(Date.now() - days * DAY).toISOString();

type Item = { data_type: string; cutoff: string; rows: number };
type Report = { items: Item[]; total_rows: number };
type Policy = { id: string; data_type: string; retention_days: number; enabled: boolean } & Record<
  string,
  any
>;

/** The audit_log row as stored (snake_case columns). */
interface StoredAuditRow {
  id: string;
  seq: number;
  timestamp: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  interface: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: string;
  ip_address: string | null;
  user_agent: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

function toEntity(row: StoredAuditRow): Omit<AuditEntryEntity, 'hash'> {
  return {
    id: row.id,
    seq: row.seq,
    timestamp: row.timestamp,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorName: row.actor_name,
    interface: row.interface,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    result: row.result,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    details: row.details,
    prevHash: row.prev_hash,
  };
}

describe('retention: policies, preview equals run, the audit floor and the anchored chain', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let adminId: string;
  let mcp: Client;
  let db: Database.Database;

  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await mcp.callTool({ name, arguments: args });
    return { isError: Boolean(result.isError), body: result.structuredContent as any };
  };
  const rest = (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token: adminToken, body });
  const count = (sql: string, ...params: unknown[]): number =>
    (db.prepare(sql).get(...params) as { n: number }).n;
  const policies = async (): Promise<Policy[]> =>
    (await rest('GET', '/api/v1/retention/policies')).body.items as Policy[];
  const policyOf = async (dataType: string): Promise<Policy> =>
    (await policies()).find((p) => p.data_type === dataType)!;

  /**
   * Puts `old` audit rows with the given timestamps before the chain Tomo wrote, and seals the
   * whole chain again with the audit key, as if those rows had been written back then.
   */
  function prependOldAuditRows(timestamps: string[]): void {
    const key = tomo.tomo.config.auditKey;
    const existing = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as StoredAuditRow[];
    const old: StoredAuditRow[] = timestamps.map((timestamp, index) => ({
      ...existing[0]!,
      id: randomUUID(),
      timestamp,
      action: `old.action_${index}`,
      details: JSON.stringify({ index }),
    }));
    let prevHash = GENESIS_HASH;
    const rows = [...old, ...existing].map((row, index) => {
      const sealed = { ...row, seq: index + 1, prev_hash: prevHash };
      sealed.hash = auditHash(key, toEntity(sealed));
      prevHash = sealed.hash;
      return sealed;
    });
    const insert = db.prepare(
      'INSERT INTO audit_log (id, seq, timestamp, actor_type, actor_id, actor_name, interface, action, target_type, target_id, result, ip_address, user_agent, details, prev_hash, hash) VALUES (@id, @seq, @timestamp, @actor_type, @actor_id, @actor_name, @interface, @action, @target_type, @target_id, @result, @ip_address, @user_agent, @details, @prev_hash, @hash)',
    );
    db.transaction(() => {
      db.prepare('DELETE FROM audit_log').run();
      for (const row of rows) insert.run(row);
    })();
  }

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
    adminId = (await rest('GET', '/api/v1/auth/me')).body.id as string;
    mcp = await tomo.mcp(adminToken);
    db = new Database(join(tomo.dataDirectory, 'tomo.db'));
    db.pragma('busy_timeout = 5000');
  });

  afterAll(async () => {
    db.close();
    await mcp.close();
    await tomo.stop();
  });

  describe('policies', () => {
    it('starts with a default policy for every data type', async () => {
      const seeded = Object.fromEntries(
        (await policies()).map((p) => [p.data_type, [p.retention_days, p.enabled]]),
      );
      expect(seeded).toEqual({
        activity: [90, true],
        audit: [365, true],
        backups: [90, true],
        installations: [30, true],
        logs: [30, true],
        metrics: [30, true],
        notifications: [90, true],
        sessions: [30, true],
      });
    });

    it('refuses a second policy for a data type (409), bad days and unknown types (400)', async () => {
      const second = await rest('POST', '/api/v1/retention/policies', {
        data_type: 'logs',
        retention_days: 10,
      });
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('CONFLICT');
      expect(second.body.detail ?? second.body.message).toMatch(/update_policy/);
      for (const body of [
        { data_type: 'logs', retention_days: 0 },
        { data_type: 'logs', retention_days: 1.5 },
        { data_type: 'logs', retention_days: 36501 },
        { data_type: 'logs', retention_days: '30' },
        { data_type: 'logs', retention_days: 30, enabled: null },
        { data_type: 'emails', retention_days: 30 },
        { retention_days: 30 },
      ]) {
        const response = await rest('POST', '/api/v1/retention/policies', body);
        expect({ body, status: response.status, code: response.body.code }).toEqual({
          body,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
    });

    it('refuses an audit policy below retention.audit_min_days, naming the floor', async () => {
      const audit = await policyOf('audit');
      const response = await rest('PATCH', `/api/v1/retention/policies/${audit.id}`, {
        retention_days: 30,
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(response.body)).toMatch(/365/);
      expect(JSON.stringify(response.body)).toMatch(/retention\.audit_min_days/);
      expect((await policyOf('audit')).retention_days).toBe(365);
    });

    it('deletes, creates and updates a policy through MCP, each change audited', async () => {
      const before = await policyOf('activity');
      const deleted = await call('delete_policy', { policy_id: before.id });
      expect(deleted).toEqual({ isError: false, body: { success: true } });
      const preview = await rest('GET', '/api/v1/retention/preview?data_type=activity');
      expect(preview.status).toBe(404);
      const created = await call('create_policy', { data_type: 'activity', retention_days: 60 });
      expect(created.isError).toBe(false);
      expect(created.body).toMatchObject({
        data_type: 'activity',
        retention_days: 60,
        enabled: true,
        last_run_at: null,
      });
      const updated = await call('update_policy', {
        policy_id: created.body.id,
        retention_days: 90,
      });
      expect(updated.body).toMatchObject({ id: created.body.id, retention_days: 90 });
      const missing = await call('update_policy', { policy_id: randomUUID(), enabled: false });
      expect(missing).toMatchObject({ isError: true, body: { code: 'NOT_FOUND' } });
      const actions = (await rest('GET', '/api/v1/audit?target_type=retention_policy')).body.items
        .map((entry: { action: string }) => entry.action)
        .slice(0, 3);
      expect(actions).toEqual([
        'retention.policy_updated',
        'retention.policy_created',
        'retention.policy_deleted',
      ]);
    });
  });

  describe('preview and run over old rows of every data type', () => {
    const seeded = {
      logs: 0,
      activity: 0,
      sessions: 0,
      installations: 0,
      metrics: 0,
      notifications: 0,
    };
    let liveSessions: string[];
    let serverId: string;

    beforeAll(() => {
      const insertLog = db.prepare(
        "INSERT INTO logs (timestamp, level, source, message) VALUES (?, 'info', 'Seed', ?)",
      );
      const insertActivity = db.prepare(
        "INSERT INTO activity_log (timestamp, event, summary) VALUES (?, 'server.removed', ?)",
      );
      for (const age of [400, 200, 45, 31]) insertLog.run(daysAgo(age), `old ${age}`);
      for (const age of [29, 1, 0]) insertLog.run(daysAgo(age), `recent ${age}`);
      seeded.logs = 4;
      for (const age of [365, 91]) insertActivity.run(daysAgo(age), `old ${age}`);
      for (const age of [89, 0]) insertActivity.run(daysAgo(age), `recent ${age}`);
      seeded.activity = 2;

      liveSessions = (
        db.prepare('SELECT id FROM sessions WHERE revoked_at IS NULL').all() as { id: string }[]
      ).map((row) => row.id);
      const insertSession = db.prepare(
        'INSERT INTO sessions (id, user_id, created_at, last_activity_at, expires_at, revoked_at, revoked_reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      // Ended long ago: revoked, expired. Kept: revoked recently, and a live one.
      insertSession.run(
        randomUUID(),
        adminId,
        daysAgo(90),
        daysAgo(89),
        daysAgo(88),
        daysAgo(80),
        'logout',
      );
      insertSession.run(randomUUID(), adminId, daysAgo(60), daysAgo(60), daysAgo(59), null, null);
      insertSession.run(
        randomUUID(),
        adminId,
        daysAgo(40),
        daysAgo(2),
        daysAgo(1),
        daysAgo(2),
        'logout',
      );
      seeded.sessions = 2;

      serverId = randomUUID();
      db.prepare(
        "INSERT INTO servers (id, name, hostname, port, username, auth_type, credential, status, created_at, updated_at) VALUES (?, 'seed', 'seed.invalid', 22, 'root', 'password', 'v1:x', 'unknown', ?, ?)",
      ).run(serverId, daysAgo(100), daysAgo(100));
      const insertApp = db.prepare(
        "INSERT INTO installed_apps (id, server_id, app_id, name, version, status, manifest, config, inputs, services, steps, created_at, updated_at) VALUES (?, ?, 'builtin/x', ?, '1', ?, '{}', '{}', '', '[]', '[]', ?, ?)",
      );
      insertApp.run(randomUUID(), serverId, 'gone-long-ago', 'removed', daysAgo(90), daysAgo(60));
      insertApp.run(randomUUID(), serverId, 'gone-lately', 'removed', daysAgo(90), daysAgo(3));
      insertApp.run(randomUUID(), serverId, 'failed-long-ago', 'failed', daysAgo(90), daysAgo(60));
      seeded.installations = 1;

      const insertMetric = db.prepare(
        "INSERT INTO metrics (server_id, metric, sampled_at_ms, value) VALUES (?, 'cpu_percent', ?, 1.5)",
      );
      for (let i = 0; i < 1200; i++) insertMetric.run(serverId, Date.now() - 40 * DAY - i * 1000);
      for (let i = 0; i < 10; i++) insertMetric.run(serverId, Date.now() - i * 1000);
      seeded.metrics = 1200;

      const insertNotification = db.prepare(
        "INSERT INTO notifications (id, user_id, type, severity, title, message, created_at) VALUES (?, ?, 'server.unreachable', 'warning', 'seed', 'seed', ?)",
      );
      insertNotification.run(randomUUID(), adminId, daysAgo(120));
      insertNotification.run(randomUUID(), adminId, daysAgo(10));
      seeded.notifications = 1;
    });

    it('the preview counts exactly what the run deletes, per type and in total, and the rows are gone', async () => {
      const preview = (await call('preview_retention')).body as Report;
      const previewRows = Object.fromEntries(
        preview.items.map((item) => [item.data_type, item.rows]),
      );
      expect(previewRows).toMatchObject(seeded);
      for (const item of preview.items) {
        expect(Date.parse(item.cutoff)).toBeLessThan(Date.now());
      }
      expect(preview.total_rows).toBe(preview.items.reduce((sum, item) => sum + item.rows, 0));

      const run = await rest('POST', '/api/v1/retention/run', {});
      expect(run.status).toBe(200);
      const ran = run.body as Report;
      expect(ran.items.map((item) => [item.data_type, item.rows])).toEqual(
        preview.items.map((item) => [item.data_type, item.rows]),
      );
      expect(ran.total_rows).toBe(preview.total_rows);

      expect(
        count("SELECT COUNT(*) AS n FROM logs WHERE source = 'Seed' AND message LIKE 'old%'"),
      ).toBe(0);
      expect(count("SELECT COUNT(*) AS n FROM logs WHERE source = 'Seed'")).toBe(3);
      expect(count("SELECT COUNT(*) AS n FROM activity_log WHERE summary LIKE 'old%'")).toBe(0);
      expect(count("SELECT COUNT(*) AS n FROM activity_log WHERE summary LIKE 'recent%'")).toBe(2);
      expect(count('SELECT COUNT(*) AS n FROM metrics WHERE server_id = ?', serverId)).toBe(10);
      expect(
        (
          db.prepare('SELECT name FROM installed_apps ORDER BY name').all() as { name: string }[]
        ).map((row) => row.name),
      ).toEqual(['failed-long-ago', 'gone-lately']);
      expect(count('SELECT COUNT(*) AS n FROM notifications')).toBe(1);
      // Sessions: the two ended long ago went; the live ones and the one ended lately stay.
      expect(count('SELECT COUNT(*) AS n FROM sessions')).toBe(liveSessions.length + 1);
      for (const id of liveSessions) {
        expect(count('SELECT COUNT(*) AS n FROM sessions WHERE id = ?', id)).toBe(1);
      }
      expect((await rest('GET', '/api/v1/auth/me')).status).toBe(200);

      // A second preview finds nothing left.
      const after = (await rest('GET', '/api/v1/retention/preview')).body as Report;
      expect(after.items.filter((item) => item.rows > 0 && item.data_type !== 'audit')).toEqual([]);
    });

    it('records the run: last_run_* on each policy and one retention.run audit row', async () => {
      const logs = await policyOf('logs');
      expect(logs.last_run_rows).toBe(seeded.logs);
      expect(Date.parse(logs.last_run_at)).toBeGreaterThan(Date.now() - 60_000);
      const [entry] = (await rest('GET', '/api/v1/audit?action=retention.run&limit=1')).body.items;
      expect(entry).toMatchObject({
        action: 'retention.run',
        actor_name: 'admin',
        interface: 'rest',
        result: 'success',
        details: { trigger: 'manual', total_rows: expect.any(Number) },
      });
      expect(entry.details.items).toEqual(
        expect.arrayContaining([
          { data_type: 'logs', cutoff: expect.any(String), rows: seeded.logs },
        ]),
      );
    });

    it('skips a disabled policy, and refuses to run it by name', async () => {
      const logs = await policyOf('logs');
      await rest('PATCH', `/api/v1/retention/policies/${logs.id}`, { enabled: false });
      db.prepare(
        "INSERT INTO logs (timestamp, level, source, message) VALUES (?, 'info', 'Seed', 'old again')",
      ).run(daysAgo(100));
      const run = (await rest('POST', '/api/v1/retention/run', {})).body as Report;
      expect(run.items.map((item) => item.data_type)).not.toContain('logs');
      const named = await rest('POST', '/api/v1/retention/run', { data_type: 'logs' });
      expect(named.status).toBe(409);
      expect(count("SELECT COUNT(*) AS n FROM logs WHERE message = 'old again'")).toBe(1);
      await rest('PATCH', `/api/v1/retention/policies/${logs.id}`, { enabled: true });
      const only = (await rest('POST', '/api/v1/retention/run', { data_type: 'logs' }))
        .body as Report;
      expect(only).toEqual({
        items: [{ data_type: 'logs', cutoff: expect.any(String), rows: 1 }],
        total_rows: 1,
      });
    });
  });

  describe('audit: the floor and the anchored chain', () => {
    it('purges only audit rows older than max(policy, floor), and the chain still verifies', async () => {
      prependOldAuditRows([
        daysAgo(900),
        daysAgo(800),
        daysAgo(700),
        daysAgo(450),
        daysAgo(400),
        daysAgo(200),
        daysAgo(100),
      ]);
      expect((await call('verify_audit_log')).body).toMatchObject({ valid: true });
      const total = count('SELECT COUNT(*) AS n FROM audit_log');

      // The floor is raised above the policy (365): rows from 450 and 400 days ago stay.
      const setting = await rest('PUT', '/api/v1/settings/system/retention.audit_min_days', {
        value: 500,
      });
      expect(setting.status).toBe(200);
      const preview = (await rest('GET', '/api/v1/retention/preview?data_type=audit'))
        .body as Report;
      expect(preview.items).toEqual([{ data_type: 'audit', cutoff: expect.any(String), rows: 3 }]);
      expect(Date.parse(preview.items[0]!.cutoff)).toBeLessThanOrEqual(Date.now() - 500 * DAY);
      const run = (await call('run_retention', { data_type: 'audit' })).body as Report;
      expect(run.total_rows).toBe(3);
      expect(count("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'old.%'")).toBe(4);
      expect(count('SELECT MIN(seq) AS n FROM audit_log')).toBe(4);
      // The run, the setting change: two new rows after the purge.
      expect(count('SELECT COUNT(*) AS n FROM audit_log')).toBe(total - 3 + 2);

      const verified = (await call('verify_audit_log')).body;
      expect(verified).toEqual({
        valid: true,
        checked: count('SELECT COUNT(*) AS n FROM audit_log'),
        first_invalid_id: null,
      });

      // Back to the default floor: the policy's 365 days apply, 450 and 400 go.
      await rest('DELETE', '/api/v1/settings/system/retention.audit_min_days');
      const second = (await call('run_retention', { data_type: 'audit' })).body as Report;
      expect(second.total_rows).toBe(2);
      expect(count("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'old.%'")).toBe(2);
      expect((await call('verify_audit_log')).body).toMatchObject({ valid: true });
      expect(db.prepare('SELECT seq, purged_count FROM audit_anchor').get()).toEqual({
        seq: 5,
        purged_count: 5,
      });
    });

    it('reports the chain broken when the anchor is edited or deleted, or a row after it goes', async () => {
      const first = db.prepare('SELECT id FROM audit_log ORDER BY seq LIMIT 1').get() as {
        id: string;
      };
      const anchor = db.prepare('SELECT * FROM audit_anchor').get() as Record<string, unknown>;

      db.prepare('UPDATE audit_anchor SET purged_count = purged_count - 1').run();
      expect((await call('verify_audit_log')).body).toMatchObject({
        valid: false,
        first_invalid_id: first.id,
      });
      db.prepare('DELETE FROM audit_anchor').run();
      expect((await call('verify_audit_log')).body).toMatchObject({
        valid: false,
        first_invalid_id: first.id,
      });
      db.prepare(
        'INSERT INTO audit_anchor (id, seq, hash, purged_count, purged_at, signature) VALUES (@id, @seq, @hash, @purged_count, @purged_at, @signature)',
      ).run(anchor);
      expect((await call('verify_audit_log')).body).toMatchObject({ valid: true });

      const [one, two] = db
        .prepare('SELECT * FROM audit_log ORDER BY seq LIMIT 2')
        .all() as StoredAuditRow[];
      db.prepare('DELETE FROM audit_log WHERE id = ?').run(one!.id);
      expect((await call('verify_audit_log')).body).toMatchObject({
        valid: false,
        first_invalid_id: two!.id,
      });
      db.prepare(
        'INSERT INTO audit_log (id, seq, timestamp, actor_type, actor_id, actor_name, interface, action, target_type, target_id, result, ip_address, user_agent, details, prev_hash, hash) VALUES (@id, @seq, @timestamp, @actor_type, @actor_id, @actor_name, @interface, @action, @target_type, @target_id, @result, @ip_address, @user_agent, @details, @prev_hash, @hash)',
      ).run(one);
      expect((await call('verify_audit_log')).body).toMatchObject({ valid: true });
    });
  });
});
