import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunningTomo, startTomo } from '../src/bootstrap';
import { keyId } from '../src/common/crypto/secret-box';
import { loadConfig } from '../src/config/load-config';
import { DbProbe } from './support/db-probe';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd } from './support/sshd';
import { ADMIN_PASSWORD, ADMIN_USERNAME, TestTomo } from './support/tomo-harness';

const PASSPHRASE = 'seven lanterns on a quiet pier';

/**
 * Sealed SSH credentials and the audit chains across a restore: on the same installation, and
 * on a "fresh machine" (another data directory, encryption key and audit key) where only a
 * passphrase backup, which carries both keys, can bring them back. Logins go to a real sshd.
 */
describeWithSshd('backup: SSH credentials survive a restore, here and on a fresh machine', () => {
  let sshd: TestSshd;
  let first: TestTomo;
  let fresh: TestTomo;
  /** `fresh` after a restart on its data directory (the harness's stop would delete it). */
  let restarted: RunningTomo | null = null;
  const others: TestTomo[] = [];
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const tokens = new Map<TestTomo, string>();

  const api = async (tomo: TestTomo, method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token: tokens.get(tomo), body });
  const login = async (tomo: TestTomo) => tokens.set(tomo, await tomo.login());
  const serverNames = async (tomo: TestTomo) =>
    ((await api(tomo, 'GET', '/api/v1/servers')).body.items as { name: string }[])
      .map((server) => server.name)
      .sort();
  const testConnection = async (tomo: TestTomo, name: string) => {
    const servers = (await api(tomo, 'GET', '/api/v1/servers')).body.items as {
      id: string;
      name: string;
    }[];
    const server = servers.find((s) => s.name === name)!;
    return (await api(tomo, 'POST', `/api/v1/servers/${server.id}/test`)).body;
  };
  const transfer = async (from: TestTomo, id: string, to: TestTomo) => {
    const file = await fetch(`${from.url}/api/v1/backups/${id}/download`, {
      headers: { authorization: `Bearer ${tokens.get(from)}` },
    });
    const response = await fetch(`${to.url}/api/v1/backups/upload`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.get(to)}`,
        'content-type': 'application/octet-stream',
      },
      body: Buffer.from(await file.arrayBuffer()),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  };
  const sealedKeyIds = (tomo: TestTomo) => {
    const db = new Database(join(tomo.dataDirectory, 'tomo.db'), { readonly: true });
    const rows = db.prepare('SELECT credential FROM servers').pluck().all() as string[];
    db.close();
    return [...new Set(rows.map((envelope) => envelope.split(':')[1]))];
  };

  let plainId: string;
  let encryptedId: string;

  beforeAll(async () => {
    sshd = await startSshd({ extraAddresses: 1 });
    const env = { SERVER_CHECK_INTERVAL_SECONDS: '0' };
    first = await TestTomo.start({ ...env, TOMO_ENCRYPTION_KEY: keyA.toString('hex') });
    fresh = await TestTomo.start({ ...env, TOMO_ENCRYPTION_KEY: keyB.toString('hex') });
    await login(first);
    await login(fresh);
  });

  afterAll(async () => {
    await first?.stop();
    if (restarted) {
      await restarted.close();
      rmSync(fresh.dataDirectory, { recursive: true, force: true });
    } else {
      await fresh?.stop();
    }
    for (const other of others) await other.stop();
    await sshd?.stop();
  });

  /** What an admin checks: both audit chains verify. */
  const chains = async (tomo: TestTomo) => ({
    audit_log: (await api(tomo, 'POST', '/api/v1/audit/verify')).body.valid as boolean,
    settings_audit: (await api(tomo, 'GET', '/api/v1/settings/audit')).body.chain_valid as boolean,
  });
  const VALID = { audit_log: true, settings_audit: true };
  const setMaxLoginAttempts = async (tomo: TestTomo, value: number) =>
    expect(
      (await api(tomo, 'PUT', '/api/v1/settings/system/security.max_login_attempts', { value }))
        .status,
    ).toBe(200);
  let restartedToken: string | undefined;
  const callRestarted = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${restarted!.url}${path}`, {
      method,
      headers: {
        ...(restartedToken ? { authorization: `Bearer ${restartedToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const auditKeyFile = (tomo: TestTomo, suffix = '') =>
    readFileSync(join(tomo.dataDirectory, `audit-key${suffix}`), 'utf8').trim();

  it('restores on the same installation: a server added later is gone, the kept one still logs in', async () => {
    // A settings change, so that the settings audit chain has rows to carry over.
    await setMaxLoginAttempts(first, 7);
    const added = await api(first, 'POST', '/api/v1/servers', {
      name: 'kept',
      hostname: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      credential: sshd.password,
    });
    expect(added.status).toBe(201);
    plainId = (await api(first, 'POST', '/api/v1/backups', {})).body.id;
    encryptedId = (await api(first, 'POST', '/api/v1/backups', { passphrase: PASSPHRASE })).body.id;

    await first.createUser('later', 'user', tokens.get(first)!);
    const later = await api(first, 'POST', '/api/v1/servers', {
      name: 'later',
      // A server's endpoint is unique: the same sshd on its second address.
      hostname: '127.0.0.2',
      port: sshd.port,
      username: sshd.username,
      credential: sshd.password,
    });
    expect(later.status).toBe(201);
    expect(await serverNames(first)).toEqual(['kept', 'later']);

    const restored = await api(first, 'POST', `/api/v1/backups/${plainId}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.body.resealed).toBe(0);
    await login(first);
    expect(await serverNames(first)).toEqual(['kept']);
    const users = (await api(first, 'GET', '/api/v1/users')).body.items.map(
      (u: { username: string }) => u.username,
    );
    expect(users).not.toContain('later');
    expect(await testConnection(first, 'kept')).toMatchObject({ success: true, error: null });
    expect((await api(first, 'POST', '/api/v1/audit/verify')).body).toMatchObject({
      valid: true,
    });
    expect(await chains(first)).toEqual(VALID);
  });

  it('refuses, on a fresh machine, a backup without passphrase: its credentials need the other key', async () => {
    const uploaded = await transfer(first, plainId, fresh);
    const probe = new DbProbe(fresh.dataDirectory);
    const before = probe.fingerprint();
    const refused = await api(fresh, 'POST', `/api/v1/backups/${uploaded.id}/restore`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('BACKUP_KEY_MISSING');
    expect(refused.body.detail).toContain(keyId(keyA));
    expect(probe.fingerprint()).toEqual(before);
    expect(probe.integrityCheck()).toBe('ok');
    probe.close();
  });

  it('restores, on a fresh machine, a passphrase backup: credentials re-sealed under its key and working', async () => {
    const freshAuditKey = auditKeyFile(fresh);
    expect(freshAuditKey).not.toBe(auditKeyFile(first));
    const uploaded = await transfer(first, encryptedId, fresh);
    const refused = await api(fresh, 'POST', `/api/v1/backups/${uploaded.id}/restore`, {});
    expect(refused.body.code).toBe('BACKUP_PASSPHRASE_INVALID');

    const restored = await api(fresh, 'POST', `/api/v1/backups/${uploaded.id}/restore`, {
      passphrase: PASSPHRASE,
    });
    expect(restored.status).toBe(200);
    expect(restored.body.resealed).toBeGreaterThanOrEqual(1);
    expect(sealedKeyIds(fresh)).toEqual([keyId(keyB)]);
    await login(fresh);
    expect(await serverNames(fresh)).toEqual(['kept']);
    expect(await testConnection(fresh, 'kept')).toMatchObject({ success: true, error: null });

    // The audit log and the settings audit came with the backup and verify here: this Tomo
    // adopted the backup's audit key (the one it replaced kept as audit-key.pre-restore).
    expect(await chains(fresh)).toEqual(VALID);
    const settingsTrail = (await api(fresh, 'GET', '/api/v1/settings/audit')).body;
    expect(settingsTrail.items.map((row: { setting_key: string }) => row.setting_key)).toContain(
      'security.max_login_attempts',
    );
    expect(auditKeyFile(fresh)).toBe(auditKeyFile(first));
    expect(auditKeyFile(fresh, '.pre-restore')).toBe(freshAuditKey);
    expect(readdirSync(fresh.dataDirectory).filter((name) => name.includes('.restore'))).toEqual(
      [],
    );
    const restoreEntry = (await api(fresh, 'GET', '/api/v1/audit?action=backup.restore&limit=1'))
      .body.items[0];
    expect(restoreEntry.details.adopted_audit_key_id).toMatch(/^[0-9a-f]{8}$/);
    expect(JSON.stringify(restoreEntry)).not.toContain(auditKeyFile(first));

    // New writes chain on under the adopted key.
    await setMaxLoginAttempts(fresh, 9);
    await fresh.createUser('after-restore', 'readonly', tokens.get(fresh)!);
    expect(await chains(fresh)).toEqual(VALID);
  });

  it('still verifies both chains after a restart: the adopted audit key was persisted', async () => {
    await fresh.tomo.close();
    restarted = await startTomo(
      loadConfig({
        APP_ENV: 'test',
        DATA_DIRECTORY: fresh.dataDirectory,
        PORT: '0',
        LOG_LEVEL: 'silent',
        TOMO_ADMIN_USERNAME: ADMIN_USERNAME,
        TOMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
        SERVER_CHECK_INTERVAL_SECONDS: '0',
        TOMO_ENCRYPTION_KEY: keyB.toString('hex'),
      }),
    );
    expect(restarted.config.auditKey.toString()).toBe(auditKeyFile(first));
    const token = await callRestarted('POST', '/api/v1/auth/login', {
      username: ADMIN_USERNAME,
      password: ADMIN_PASSWORD,
    }).then((result) => result.body.token as string);
    restartedToken = token;
    expect((await callRestarted('POST', '/api/v1/audit/verify')).body.valid).toBe(true);
    expect((await callRestarted('GET', '/api/v1/settings/audit')).body.chain_valid).toBe(true);
    const users = (await callRestarted('GET', '/api/v1/users')).body.items.map(
      (user: { username: string }) => user.username,
    );
    expect(users).toContain('after-restore');
  });

  it('goes back with the pre-restore backup: the key it replaced (audit-key.pre-restore) is taken back', async () => {
    const freshAuditKey = auditKeyFile(fresh, '.pre-restore');
    const backups = (await callRestarted('GET', '/api/v1/backups')).body.items as {
      id: string;
      trigger: string;
      encrypted: boolean;
    }[];
    const pre = backups.find((backup) => backup.trigger === 'pre-restore')!;
    expect(pre.encrypted).toBe(false);
    const restored = await callRestarted('POST', `/api/v1/backups/${pre.id}/restore`, {});
    expect(restored.status).toBe(200);
    restartedToken = (
      await callRestarted('POST', '/api/v1/auth/login', {
        username: ADMIN_USERNAME,
        password: ADMIN_PASSWORD,
      })
    ).body.token;
    expect(auditKeyFile(fresh)).toBe(freshAuditKey);
    expect(auditKeyFile(fresh, '.pre-restore')).toBe(auditKeyFile(first));
    expect((await callRestarted('POST', '/api/v1/audit/verify')).body.valid).toBe(true);
    expect((await callRestarted('GET', '/api/v1/settings/audit')).body.chain_valid).toBe(true);
    const servers = (await callRestarted('GET', '/api/v1/servers')).body.items;
    expect(servers).toEqual([]);
  });

  it('refuses, where TOMO_AUDIT_KEY pins another audit key, a passphrase backup: 409, nothing changed', async () => {
    const pinned = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      TOMO_AUDIT_KEY: randomBytes(32).toString('base64'),
    });
    others.push(pinned);
    await login(pinned);
    const uploaded = await transfer(first, encryptedId, pinned);
    const probe = new DbProbe(pinned.dataDirectory);
    const before = probe.fingerprint();
    const files = readdirSync(pinned.dataDirectory).sort();
    const refused = await api(pinned, 'POST', `/api/v1/backups/${uploaded.id}/restore`, {
      passphrase: PASSPHRASE,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('BACKUP_AUDIT_KEY_MISMATCH');
    expect(refused.body.detail).toContain('TOMO_AUDIT_KEY');
    expect(refused.body.detail).not.toContain(auditKeyFile(first));
    expect(probe.fingerprint()).toEqual(before);
    expect(probe.integrityCheck()).toBe('ok');
    probe.close();
    expect(readdirSync(pinned.dataDirectory).sort()).toEqual(files);
    expect(await chains(pinned)).toEqual(VALID);
    expect(await serverNames(pinned)).toEqual([]);
  });

  it('accepts it where TOMO_AUDIT_KEY is set to the backup’s audit key', async () => {
    const same = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      TOMO_AUDIT_KEY: auditKeyFile(first),
    });
    others.push(same);
    await login(same);
    const uploaded = await transfer(first, encryptedId, same);
    const restored = await api(same, 'POST', `/api/v1/backups/${uploaded.id}/restore`, {
      passphrase: PASSPHRASE,
    });
    expect(restored.status).toBe(200);
    await login(same);
    expect(await serverNames(same)).toEqual(['kept']);
    expect(await chains(same)).toEqual(VALID);
  });

  it('refuses a backup without passphrase whose audit log no key of this installation verifies', async () => {
    const [pinned, same] = others as [TestTomo, TestTomo];
    // Nothing sealed in it: only the audit key stands in the way.
    const plain = (await api(pinned, 'POST', '/api/v1/backups', {})).body.id as string;
    const uploaded = await transfer(pinned, plain, same);
    const probe = new DbProbe(same.dataDirectory);
    const before = probe.fingerprint();
    const refused = await api(same, 'POST', `/api/v1/backups/${uploaded.id}/restore`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('BACKUP_AUDIT_KEY_MISMATCH');
    expect(refused.body.detail).toContain('passphrase');
    expect(probe.fingerprint()).toEqual(before);
    probe.close();
    expect(await chains(same)).toEqual(VALID);
  });
});
