import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import type { Role } from '../common/auth/roles';
import { SecretBox } from '../common/crypto/secret-box';
import { DomainError } from '../common/errors/domain-error';
import type { DomainEvents } from '../common/events/domain-events';
import type { EventBus } from '../common/events/event-bus';
import type { AppConfig } from '../config/app-config';
import { sqliteDataSourceOptions } from '../database/data-source-options';
import { PreparedStatements } from '../database/prepared-statements';
import { TransactionRunner } from '../database/transaction-runner';
import { SettingsAuditEntity } from './entities/settings-audit.entity';
import { SystemSettingEntity } from './entities/system-setting.entity';
import { UserSettingEntity } from './entities/user-setting.entity';
import { SettingsAuditTrail } from './settings-audit-trail';
import { SettingsService } from './settings.service';

const NOW = new Date().toISOString();

const actor = (userId: string, username: string, role: Role): Actor => ({
  principal: { kind: 'user', userId, username, role, readOnly: false },
  interface: 'mcp',
  ip: null,
  userAgent: null,
  requestId: null,
});
const admin = actor('u-admin', 'alice', 'admin');
const reader = actor('u-reader', 'rita', 'readonly');
const other = actor('u-other', 'oscar', 'user');

/** The DomainError code a call failed with, and its message. */
async function failure(call: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the call succeeded');
}

/**
 * SettingsService against a real SQLite file with the migrations applied, the real audit log
 * and secret box; only the event bus is a recorder.
 */
describe('SettingsService', () => {
  let directory: string;
  let dataSource: DataSource;
  let config: AppConfig;
  let box: SecretBox;
  let emitted: DomainEvents['setting.changed'][];
  let settings: SettingsService;

  async function serviceOn(source: DataSource, secretBox = box): Promise<SettingsService> {
    const transactions = new TransactionRunner(source);
    const audit = new AuditService(
      source.getRepository(AuditEntryEntity),
      transactions,
      new PreparedStatements(source),
      config,
    );
    const events = {
      emit: (name: string, payload: DomainEvents['setting.changed']) => {
        if (name === 'setting.changed') emitted.push(payload);
      },
    } as unknown as EventBus;
    const trail = new SettingsAuditTrail(config, source.getRepository(SettingsAuditEntity), audit);
    const service = new SettingsService(
      config,
      source.getRepository(SystemSettingEntity),
      source.getRepository(UserSettingEntity),
      transactions,
      trail,
      events,
      secretBox,
    );
    await service.onModuleInit();
    return service;
  }

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-settings-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    for (const [id, name, role] of [
      ['u-admin', 'alice', 'admin'],
      ['u-reader', 'rita', 'readonly'],
      ['u-other', 'oscar', 'user'],
    ]) {
      await dataSource.query(
        `INSERT INTO users (id, username, email, password_hash, role, is_active, created_at, updated_at, last_login_at, password_changed_at)
         VALUES (?, ?, NULL, 'x', ?, 1, ?, ?, NULL, ?)`,
        [id, name, role, NOW, NOW, NOW],
      );
    }
    config = {
      auditKey: randomBytes(32),
      sessionIdleTimeoutSeconds: 7200,
      agentHeartbeatIntervalSeconds: 30,
      agentHeartbeatTimeoutSeconds: 90,
      agentRegistrationCodeTtlSeconds: 86_400,
      serverCheckIntervalSeconds: 300,
      marketplaceSyncIntervalMinutes: 1440,
      marketplaceAllowPrivateSources: false,
      appsDataRoot: '/srv/tomo/apps',
    } as AppConfig;
    box = new SecretBox([randomBytes(32)]);
    emitted = [];
    settings = await serviceOn(dataSource);
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('serves defaults (from the configuration where the registry says so) at version 0', () => {
    expect(settings.get('security.max_login_attempts')).toBe(5);
    expect(settings.get('security.session_idle_timeout')).toBe(7200);
    expect(settings.getSetting(admin, { key: 'security.session_idle_timeout' })).toMatchObject({
      value: 7200,
      default: 7200,
      version: 0,
      updated_at: null,
      updated_by: null,
      type: 'integer',
      scope: 'system',
      admin_only: true,
      constraints: { min: 60, max: 2_592_000, unit: 'seconds' },
    });
  });

  it('an update is visible at once to get(), versioned, audited twice in one go, and announced', async () => {
    const view = await settings.updateSetting(admin, {
      key: 'security.max_login_attempts',
      value: 3,
    });
    expect(view).toMatchObject({ value: 3, default: 5, version: 1, updated_by: 'alice' });
    expect(settings.get('security.max_login_attempts')).toBe(3);
    expect(emitted).toEqual([
      { scope: 'system', key: 'security.max_login_attempts', userId: null, value: 3 },
    ]);
    const trail = await settings.auditTrail({});
    expect(trail).toMatchObject({ total: 1, chain_valid: true, first_invalid_id: null });
    expect(trail.items[0]).toMatchObject({
      setting_scope: 'system',
      setting_key: 'security.max_login_attempts',
      user_id: null,
      old_value: null,
      new_value: 3,
      changed_by: 'alice',
    });
    const [logged] = await dataSource.query<{ action: string; details: string }[]>(
      "SELECT action, details FROM audit_log WHERE action LIKE 'setting.%'",
    );
    expect(logged?.action).toBe('setting.update');
    expect(JSON.parse(logged!.details)).toMatchObject({
      old_value: null,
      new_value: 3,
      version: 1,
    });
  });

  it('refuses a stale expected_version with CONFLICT naming who changed it and the version', async () => {
    await settings.updateSetting(admin, { key: 'ui.theme', scope: 'user', value: 'dark' });
    await settings.updateSetting(admin, {
      key: 'security.max_login_attempts',
      value: 4,
      expected_version: 0,
    });
    const stale = await failure(() =>
      settings.updateSetting(admin, {
        key: 'security.max_login_attempts',
        value: 6,
        expected_version: 0,
      }),
    );
    expect(stale.code).toBe('CONFLICT');
    expect(stale.message).toMatch(
      /^security\.max_login_attempts was changed by alice at \S+; it is now version 1, not version 0\./,
    );
    expect(settings.get('security.max_login_attempts')).toBe(4);
    const fresh = await settings.updateSetting(admin, {
      key: 'security.max_login_attempts',
      value: 6,
      expected_version: 1,
    });
    expect(fresh.version).toBe(2);
  });

  it('writing the stored value again changes nothing (no version, no audit row)', async () => {
    await settings.updateSetting(admin, { key: 'agent.auto_update', value: false });
    emitted = [];
    const again = await settings.updateSetting(admin, { key: 'agent.auto_update', value: false });
    expect(again.version).toBe(1);
    expect((await settings.auditTrail({})).total).toBe(1);
    expect(emitted).toEqual([]);
  });

  it('refuses invalid values, unknown keys, the wrong scope and non-admins on system keys', async () => {
    expect(
      await failure(() =>
        settings.updateSetting(admin, { key: 'security.max_login_attempts', value: 0 }),
      ),
    ).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'security.max_login_attempts must be an integer from 1 to 100; got 0',
    });
    const unknown = await failure(() =>
      settings.getSetting(admin, { key: 'security.max_login_attempt' }),
    );
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toContain('Did you mean security.max_login_attempts');
    expect(
      await failure(() => settings.getSetting(admin, { key: 'ui.theme', scope: 'system' })),
    ).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'ui.theme is a user setting; use scope "user".',
    });
    expect(
      (
        await failure(() =>
          settings.updateSetting(reader, { key: 'agent.auto_update', value: false }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      (await failure(() => settings.resetSetting(reader, { key: 'agent.auto_update' }))).code,
    ).toBe('FORBIDDEN');
    expect((await settings.auditTrail({})).total).toBe(0);
  });

  it('hides admin-only values from non-admins but shows the key', async () => {
    await settings.updateSetting(admin, { key: 'security.max_login_attempts', value: 8 });
    expect(settings.getSetting(reader, { key: 'security.max_login_attempts' })).toMatchObject({
      key: 'security.max_login_attempts',
      value: null,
      default: null,
      admin_only: true,
      version: 1,
    });
    expect(settings.getSetting(reader, { key: 'agent.heartbeat_interval' })).toMatchObject({
      value: 30,
      default: 30,
    });
  });

  it('keeps user overrides per user; readonly users change their own', async () => {
    await settings.updateSetting(reader, { key: 'ui.theme', scope: 'user', value: 'dark' });
    await settings.updateSetting(other, { key: 'ui.theme', scope: 'user', value: 'light' });
    expect(settings.getForUser('u-reader', 'ui.theme')).toBe('dark');
    expect(settings.getForUser('u-other', 'ui.theme')).toBe('light');
    expect(settings.getForUser('u-admin', 'ui.theme')).toBe('system');
    expect(settings.getSetting(reader, { key: 'ui.theme', scope: 'user' })).toMatchObject({
      value: 'dark',
      default: 'system',
      version: 1,
      updated_by: 'rita',
    });
    const listed = settings.listSettings(other, { scope: 'user' });
    expect(listed.items.map((item) => item.key)).toEqual([
      'notifications.min_severity',
      'ui.theme',
      'ui.timezone',
    ]);
    expect(listed.items.find((item) => item.key === 'ui.theme')?.value).toBe('light');
    await settings.resetSetting(reader, { key: 'ui.theme', scope: 'user' });
    expect(settings.getForUser('u-reader', 'ui.theme')).toBe('system');
    expect(settings.getForUser('u-other', 'ui.theme')).toBe('light');
    const trail = await settings.auditTrail({ key: 'ui.theme' });
    expect(trail.items.map((item) => [item.user_id, item.old_value, item.new_value])).toEqual([
      ['u-reader', 'dark', null],
      ['u-other', null, 'light'],
      ['u-reader', null, 'dark'],
    ]);
  });

  it('lists a scope sorted by key, by category, and refuses an unknown category', async () => {
    const all = settings.listSettings(admin, {});
    expect(all.total).toBe(all.items.length);
    expect(all.items.map((item) => item.key)).toEqual(all.items.map((item) => item.key).sort());
    expect(all.items.every((item) => item.scope === 'system')).toBe(true);
    const security = settings.listSettings(admin, { category: 'security' });
    expect(security.items.map((item) => item.key)).toEqual([
      'security.account_lockout_duration',
      'security.max_login_attempts',
      'security.session_idle_timeout',
    ]);
    expect(
      (await failure(() => settings.listSettings(admin, { category: 'nope' }))).message,
    ).toMatch(/^category "nope" is not known; the categories are: agents, apps, /);
  });

  it('seals secrets, never shows or audits them, and re-seals them under a new key', async () => {
    const view = await settings.updateSetting(admin, {
      key: 'backup.schedule_passphrase',
      value: 'correct horse battery staple',
    });
    expect(view).toMatchObject({ value: null, default: null, is_set: true, version: 1 });
    expect(settings.get('backup.schedule_passphrase')).toBe('correct horse battery staple');
    expect(emitted.at(-1)?.value).toBeNull();
    const dump = JSON.stringify([
      await dataSource.query('SELECT * FROM system_settings'),
      await dataSource.query('SELECT * FROM settings_audit'),
      await dataSource.query('SELECT * FROM audit_log'),
    ]);
    expect(dump).not.toContain('correct horse');
    expect(dump).toContain('[secret]');
    expect((await settings.auditTrail({})).items[0]?.new_value).toBe('[secret]');

    const nextKey = randomBytes(32);
    const next = new SecretBox([nextKey]);
    const outcome = await new TransactionRunner(dataSource).run((manager) =>
      settings.reseal(manager, box, next),
    );
    expect(outcome).toEqual({ resealed: 1, fromKeyIds: [box.sealingKeyId] });
    const restarted = await serviceOn(dataSource, next);
    expect(restarted.get('backup.schedule_passphrase')).toBe('correct horse battery staple');

    await settings.resetSetting(admin, { key: 'backup.schedule_passphrase' });
    expect(settings.getSetting(admin, { key: 'backup.schedule_passphrase' })).toMatchObject({
      is_set: false,
      version: 0,
    });
    expect(settings.get('backup.schedule_passphrase')).toBe('');
  });

  it('detects a row of the trail edited in the database', async () => {
    for (const value of [2, 3, 4]) {
      await settings.updateSetting(admin, { key: 'security.max_login_attempts', value });
    }
    const [second] = await dataSource.query<{ id: string }[]>(
      'SELECT id FROM settings_audit WHERE seq = 2',
    );
    await dataSource.query("UPDATE settings_audit SET new_value = '100' WHERE seq = 2");
    expect(await settings.verifyChain()).toEqual({
      valid: false,
      checked: 2,
      first_invalid_id: second!.id,
    });
    expect(await settings.auditTrail({ limit: 1 })).toMatchObject({
      total: 3,
      chain_valid: false,
      first_invalid_id: second!.id,
    });
  });

  it('reads the database again after a backup restore, and forgets a deleted user', async () => {
    await settings.updateSetting(admin, { key: 'servers.check_interval', value: 60 });
    await settings.updateSetting(other, { key: 'ui.theme', scope: 'user', value: 'dark' });
    // The restored database holds other values (written here behind the service's back).
    await dataSource.query("UPDATE system_settings SET value = '900', version = 7");
    expect(settings.get('servers.check_interval')).toBe(60);
    await settings.onBackupRestored();
    expect(settings.get('servers.check_interval')).toBe(900);
    expect(settings.getSetting(admin, { key: 'servers.check_interval' }).version).toBe(7);

    await dataSource.query("DELETE FROM users WHERE id = 'u-other'");
    settings.onUserDeleted({ userId: 'u-other', username: 'oscar' });
    expect(settings.getForUser('u-other', 'ui.theme')).toBe('system');
    expect(await dataSource.query('SELECT * FROM user_settings')).toEqual([]);
  });

  it('falls back to the default when a stored value breaks today\u2019s rules', async () => {
    await dataSource.query(
      "INSERT INTO system_settings (key, value, version, updated_at, updated_by) VALUES ('security.max_login_attempts', '\"5\"', 1, ?, 'x')",
      [NOW],
    );
    const restarted = await serviceOn(dataSource);
    expect(restarted.get('security.max_login_attempts')).toBe(5);
  });
});
