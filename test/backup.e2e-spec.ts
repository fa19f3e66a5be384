import Database from 'better-sqlite3';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  extractDatabase,
  readArchive,
  sealPlainArchive,
} from '../src/backup/archive/backup-archive';
import { sqliteDataSourceOptions } from '../src/database/data-source-options';
import { DbProbe } from './support/db-probe';
import { GOOD_PASSWORD, TestTomo } from './support/tomo-harness';

const PASSPHRASE = 'orange kettle under the stairs';

/** A ustar archive of the given entries (name, type flag, link target, content). */
function tarOf(entries: { name: string; type?: string; link?: string; body?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(entry.type ?? '0', 156);
    header.write(entry.link ?? '', 157, 100);
    header.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe('backup: create, list, download, upload, delete and restore (real process)', () => {
  let tomo: TestTomo;
  let token: string;
  let work: string;

  const api = async (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token, body });
  const upload = async (bytes: Buffer, contentType = 'application/octet-stream') => {
    const response = await fetch(`${tomo.url}/api/v1/backups/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: bytes,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const download = async (id: string) => {
    const response = await fetch(`${tomo.url}/api/v1/backups/${id}/download`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return {
      headers: response.headers,
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  };
  const usernames = async () =>
    ((await api('GET', '/api/v1/users')).body.items as { username: string }[])
      .map((user) => user.username)
      .sort();
  const backupFiles = () => readdirSync(join(tomo.dataDirectory, 'backups')).sort();
  /** What must not change when a restore is refused: the account tables, backups, integrity. */
  const snapshot = () => {
    const probe = new DbProbe(tomo.dataDirectory);
    try {
      const db = new Database(join(tomo.dataDirectory, 'tomo.db'), { readonly: true });
      const backups = db.prepare('SELECT id, filename FROM backups ORDER BY id').all();
      db.close();
      return {
        fingerprint: probe.fingerprint(),
        backups,
        integrity: probe.integrityCheck(),
        files: backupFiles().filter((name) => !name.startsWith('.')),
      };
    } finally {
      probe.close();
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tomo-backup-e2e-'));
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
  });

  afterAll(async () => {
    await tomo?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('creates a backup: a 0600 file in a 0700 directory, listed with its manifest facts', async () => {
    await tomo.createUser('in-backup', 'user', token);
    const created = await api('POST', '/api/v1/backups', { note: 'first' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      filename: expect.stringMatching(/^tomo-backup-\d{8}T\d{6}Z-manual-[0-9a-f-]{36}\.tomobak$/),
      encrypted: false,
      includes_key: false,
      trigger: 'manual',
      note: 'first',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      schema_version: expect.stringMatching(/\d{13}$/),
    });
    const directory = join(tomo.dataDirectory, 'backups');
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    const path = join(directory, created.body.filename);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).size).toBe(created.body.size_bytes);

    const list = await api('GET', '/api/v1/backups');
    expect(list.body).toEqual({ items: [created.body], total: 1 });

    const file = await download(created.body.id);
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename="${created.body.filename}"`,
    );
    expect(file.bytes.equals(readFileSync(path))).toBe(true);
    const audit = await api('GET', '/api/v1/audit?action=backup.create');
    expect(audit.body.items[0]).toMatchObject({ target_id: created.body.id, result: 'success' });
    const status = await api('GET', '/api/v1/status');
    expect(status.body.last_backup).toMatchObject({
      id: created.body.id,
      created_at: created.body.created_at,
      size_bytes: created.body.size_bytes,
    });
  });

  it('restores: data back as it was, every session signed out, pre-restore copy kept, audit chain valid', async () => {
    const [first] = (await api('GET', '/api/v1/backups')).body.items;
    await tomo.createUser('after-backup', 'readonly', token);
    expect(await usernames()).toEqual(['admin', 'after-backup', 'in-backup']);

    const restored = await api('POST', `/api/v1/backups/${first.id}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      restored_backup_id: first.id,
      migrated: false,
      resealed: 0,
      pre_restore_backup: { trigger: 'pre-restore', encrypted: false },
    });
    expect(restored.body.sessions_revoked).toBeGreaterThanOrEqual(1);
    // The caller's session was signed out with every other one.
    expect((await api('GET', '/api/v1/auth/me')).status).toBe(401);
    token = await tomo.login();
    expect(await usernames()).toEqual(['admin', 'in-backup']);

    const list = (await api('GET', '/api/v1/backups')).body;
    expect(list.items.map((b: any) => [b.id, b.trigger]).sort()).toEqual(
      [
        [first.id, 'manual'],
        [restored.body.pre_restore_backup.id, 'pre-restore'],
      ].sort(),
    );
    const verify = await api('POST', '/api/v1/audit/verify');
    expect(verify.body).toMatchObject({ valid: true });
    const audit = await api('GET', '/api/v1/audit?action=backup.restore');
    expect(audit.body.items[0]).toMatchObject({ target_id: first.id, result: 'success' });
    const probe = new DbProbe(tomo.dataDirectory);
    expect(probe.integrityCheck()).toBe('ok');
    probe.close();

    // The pre-restore copy brings the user added after the backup back.
    const back = await api(
      'POST',
      `/api/v1/backups/${restored.body.pre_restore_backup.id}/restore`,
      {},
    );
    expect(back.status).toBe(200);
    token = await tomo.login();
    expect(await usernames()).toEqual(['admin', 'after-backup', 'in-backup']);
    expect(await tomo.login('after-backup', GOOD_PASSWORD)).toEqual(expect.any(String));
  });

  it('refuses a wrong or missing passphrase of an encrypted backup, changing nothing', async () => {
    const created = await api('POST', '/api/v1/backups', { passphrase: PASSPHRASE });
    expect(created.body).toMatchObject({ encrypted: true, includes_key: true });
    const file = await download(created.body.id);
    expect(file.bytes.includes(Buffer.from('SQLite format 3'))).toBe(false);
    const before = snapshot();
    for (const body of [{ passphrase: 'not the passphrase' }, {}]) {
      const refused = await api('POST', `/api/v1/backups/${created.body.id}/restore`, body);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('BACKUP_PASSPHRASE_INVALID');
    }
    expect(snapshot()).toEqual(before);
    const restored = await api('POST', `/api/v1/backups/${created.body.id}/restore`, {
      passphrase: PASSPHRASE,
    });
    expect(restored.status).toBe(200);
    token = await tomo.login();
  });

  it('refuses a corrupt upload (one flipped byte) and an encrypted one corrupted inside', async () => {
    const [plain] = (await api('GET', '/api/v1/backups')).body.items.filter(
      (b: any) => !b.encrypted,
    );
    const bytes = (await download(plain.id)).bytes;
    bytes[4096] = bytes[4096]! ^ 0x01;
    const before = snapshot();
    const refused = await upload(bytes);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('BACKUP_INVALID');
    expect(snapshot()).toEqual(before);

    // An encrypted file cannot be checked without its passphrase: stored, refused at restore.
    const [encrypted] = (await api('GET', '/api/v1/backups')).body.items.filter(
      (b: any) => b.encrypted,
    );
    const sealed = (await download(encrypted.id)).bytes;
    sealed[8192] = sealed[8192]! ^ 0x01;
    const uploaded = await upload(sealed);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ trigger: 'upload', encrypted: true });
    const before2 = snapshot();
    const failed = await api('POST', `/api/v1/backups/${uploaded.body.id}/restore`, {
      passphrase: PASSPHRASE,
    });
    expect(failed.status).toBe(422);
    expect(failed.body.code).toBe('BACKUP_INVALID');
    expect(snapshot()).toEqual(before2);
    expect(readdirSync(tomo.dataDirectory).filter((n) => n.startsWith('.restore-'))).toEqual([]);
  });

  it('refuses uploads that try to write elsewhere: tar with ../, absolute paths, links, devices', async () => {
    const target = join(work, 'escaped');
    const attempts = [
      tarOf([{ name: `../../../../${target.slice(1)}`, body: 'x' }]),
      tarOf([{ name: target, body: 'x' }]),
      tarOf([
        { name: 'manifest.json', body: '{}' },
        { name: 'database.sqlite', type: '2', link: target },
      ]),
      tarOf([{ name: 'database.sqlite', type: '1', link: '/etc/passwd' }]),
      tarOf([{ name: 'dev', type: '3' }]),
      tarOf([{ name: 'manifest.json', body: '{"format":"tomo-backup"}' }]),
    ];
    const before = snapshot();
    for (const attempt of attempts) {
      const refused = await upload(attempt);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('BACKUP_INVALID');
    }
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(work)).toEqual([]);
    expect(snapshot()).toEqual(before);
    expect(backupFiles().filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses an upload that is not octet-stream, or is not a backup at all', async () => {
    expect((await upload(Buffer.from('{}'), 'application/json')).status).toBe(415);
    expect((await upload(Buffer.alloc(0))).status).toBe(422);
    expect((await upload(readFileSync(join(tomo.dataDirectory, 'tomo.db')))).status).toBe(422);
  });

  it('refuses a backup of a newer schema (manifest or database), naming both versions', async () => {
    const [plain] = (await api('GET', '/api/v1/backups')).body.items.filter(
      (b: any) => !b.encrypted,
    );
    const archive = join(work, 'plain.tomobak');
    writeFileSync(archive, (await download(plain.id)).bytes);
    const info = await readArchive(archive);
    const make = async (manifestSchema: string) => {
      const database = join(work, `db-${Date.now()}-${Math.random()}.db`);
      await extractDatabase(archive, info, database, undefined);
      const db = new Database(database);
      db.prepare('INSERT INTO migrations (timestamp, name) VALUES (?, ?)').run(
        9999999999999,
        'Future9999999999999',
      );
      db.close();
      await sealPlainArchive(database, {
        ...info.manifest,
        schema_version: manifestSchema,
      });
      return readFileSync(database);
    };
    const before = snapshot();
    for (const manifestSchema of ['Future9999999999999', info.manifest.schema_version]) {
      const uploaded = await upload(await make(manifestSchema));
      expect(uploaded.status).toBe(201);
      const refused = await api('POST', `/api/v1/backups/${uploaded.body.id}/restore`, {});
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('BACKUP_SCHEMA_NEWER');
      expect(refused.body.detail).toContain('Future9999999999999');
      expect(refused.body.detail).toContain(info.manifest.schema_version);
      await api('DELETE', `/api/v1/backups/${uploaded.body.id}`);
    }
    expect(snapshot()).toEqual(before);
  });

  it('restores a backup of an older schema and migrates it', async () => {
    const [plain] = (await api('GET', '/api/v1/backups')).body.items.filter(
      (b: any) => !b.encrypted,
    );
    const archive = join(work, 'older.tomobak');
    writeFileSync(archive, (await download(plain.id)).bytes);
    const info = await readArchive(archive);
    const database = join(work, 'older.db');
    await extractDatabase(archive, info, database, undefined);
    const old = new DataSource(sqliteDataSourceOptions(database));
    await old.initialize();
    await old.undoLastMigration();
    const [last] = await old.query<{ name: string }[]>(
      'SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1',
    );
    await old.destroy();
    await sealPlainArchive(database, { ...info.manifest, schema_version: last!.name });
    const uploaded = await upload(readFileSync(database));
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.schema_version).toBe(last!.name);
    const restored = await api('POST', `/api/v1/backups/${uploaded.body.id}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      migrated: true,
      schema_version: info.manifest.schema_version,
    });
    token = await tomo.login();
    expect((await api('POST', '/api/v1/audit/verify')).body.valid).toBe(true);
  });

  it('deletes a backup: file and entry gone, audited', async () => {
    const created = await api('POST', '/api/v1/backups', {});
    const path = join(tomo.dataDirectory, 'backups', created.body.filename);
    expect(existsSync(path)).toBe(true);
    const deleted = await api('DELETE', `/api/v1/backups/${created.body.id}`);
    expect(deleted.body).toEqual({ success: true });
    expect(existsSync(path)).toBe(false);
    expect((await api('GET', `/api/v1/backups/${created.body.id}/download`)).status).toBe(404);
    expect((await api('DELETE', `/api/v1/backups/${created.body.id}`)).status).toBe(404);
  });

  it('works over MCP too (create_backup, list_backups, delete_backup)', async () => {
    const client = await tomo.mcp(token);
    try {
      const created = await client.callTool({ name: 'create_backup', arguments: { note: 'mcp' } });
      expect(created.isError).toBeFalsy();
      const backup = created.structuredContent as any;
      const list = await client.callTool({ name: 'list_backups', arguments: {} });
      expect((list.structuredContent as any).items.map((b: any) => b.id)).toContain(backup.id);
      const refused = await client.callTool({
        name: 'restore_backup',
        arguments: { backup_id: backup.id, passphrase: 'x', extra: 1 },
      });
      expect(refused.isError).toBe(true);
      const deleted = await client.callTool({
        name: 'delete_backup',
        arguments: { backup_id: backup.id },
      });
      expect(deleted.structuredContent).toEqual({ success: true });
    } finally {
      await client.close();
    }
  });

  it('creates scheduled backups when the schedule is switched on (settings apply at once, encrypted with the schedule passphrase)', async () => {
    const setting = (key: string, value: unknown) =>
      api('PUT', `/api/v1/settings/system/${key}`, { value });
    expect((await setting('backup.schedule_passphrase', PASSPHRASE)).status).toBe(200);
    expect((await setting('backup.schedule_enabled', true)).status).toBe(200);
    let scheduled: any[] = [];
    while (scheduled.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      scheduled = (await api('GET', '/api/v1/backups')).body.items.filter(
        (b: any) => b.trigger === 'schedule',
      );
    }
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toMatchObject({ encrypted: true, includes_key: true, created_by: null });
    await setting('backup.schedule_enabled', false);
  });
});
