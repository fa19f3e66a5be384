import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { keyId } from '../src/common/crypto/secret-box';
import { DbProbe } from './support/db-probe';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

const PASSPHRASE = 'seven lanterns on a quiet pier';

/**
 * Sealed SSH credentials across a restore: on the same installation, and on a "fresh machine"
 * (another data directory and encryption key) where only a passphrase backup, which carries
 * the key, can bring them back. Logins go to a real sshd.
 */
describeWithSshd('backup: SSH credentials survive a restore, here and on a fresh machine', () => {
  let sshd: TestSshd;
  let first: TestTomo;
  let fresh: TestTomo;
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
    await fresh?.stop();
    await sshd?.stop();
  });

  it('restores on the same installation: a server added later is gone, the kept one still logs in', async () => {
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
  });
});
