import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupFormatError,
  BackupPassphraseError,
  extractDatabase,
  ManifestFields,
  readArchive,
  sealPlainArchive,
  verifyArchive,
  writeEncryptedArchive,
} from './backup-archive';
import { deriveKeys, manifestMac, unwrapKey, wrapKey } from './backup-crypto';
import { BackupManifest, parseManifest } from './backup-manifest';

const FIELDS: ManifestFields = {
  app_version: '0.1.0',
  schema_version: 'Monitoring1765065600000',
  created_at: '2026-11-25T14:00:00.000Z',
  trigger: 'manual',
  note: 'before the upgrade',
  source_key_id: 'abcdef01',
};
const PASSPHRASE = 'correct horse battery staple';
/** A generated audit key is the base64 text of 32 random bytes (44 bytes). */
const AUDIT_KEY = Buffer.from(randomBytes(32).toString('base64'), 'utf8');

/** Replaces the manifest of a backup file (new trailer), re-MACed when a passphrase is given. */
async function rewriteManifest(
  path: string,
  change: (manifest: Record<string, unknown>) => void,
  passphrase?: string,
): Promise<void> {
  const info = await readArchive(path);
  const manifest = JSON.parse(info.manifestText) as Record<string, unknown>;
  change(manifest);
  if (passphrase) {
    const keys = await deriveKeys(passphrase, (manifest as unknown as BackupManifest).kdf!);
    manifest.mac = manifestMac(keys, JSON.stringify({ ...manifest, mac: null }));
  }
  const text = Buffer.from(JSON.stringify(manifest), 'utf8');
  const trailer = Buffer.alloc(32);
  trailer.write('TOMOBAK\0', 0, 'latin1');
  trailer.writeUInt32BE(1, 8);
  trailer.writeUInt32BE(text.length, 12);
  trailer.writeBigUInt64BE(BigInt(info.payloadBytes), 16);
  createHash('sha256').update(text).digest().copy(trailer, 24, 0, 8);
  const payload = readFileSync(path).subarray(0, info.payloadBytes);
  writeFileSync(path, Buffer.concat([payload, text, trailer]));
}

describe('backup archive', () => {
  let directory: string;
  let database: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-backup-archive-'));
    database = join(directory, 'source.db');
    const db = new Database(database);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB)');
    const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run(randomBytes(4096));
    db.close();
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const plainArchive = async () => {
    const archive = join(directory, 'plain.tomobak');
    copyFileSync(database, archive);
    await sealPlainArchive(archive, FIELDS);
    return archive;
  };
  const encryptedArchive = async (passphrase = PASSPHRASE) => {
    const archive = join(directory, 'encrypted.tomobak');
    await writeEncryptedArchive(database, archive, FIELDS, passphrase, {
      encryptionKey: Buffer.alloc(32, 7),
      auditKey: AUDIT_KEY,
    });
    return archive;
  };
  const flipByte = (path: string, offset: number) => {
    const bytes = readFileSync(path);
    bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
  };

  it('round-trips an unencrypted backup: the manifest, the checksum and the same bytes', async () => {
    const archive = await plainArchive();
    const info = await readArchive(archive);
    expect(info.manifest).toMatchObject({
      ...FIELDS,
      format: 'tomo-backup',
      format_version: 1,
      encrypted: false,
      encryption_key: null,
      database: { size_bytes: statSync(database).size },
    });
    await verifyArchive(archive, info);
    const out = join(directory, 'out.db');
    expect(info.manifest).not.toHaveProperty('audit_key');
    expect(await extractDatabase(archive, info, out, undefined)).toEqual({
      key: null,
      auditKey: null,
    });
    expect(readFileSync(out).equals(readFileSync(database))).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('round-trips an encrypted backup and returns the wrapped encryption and audit keys', async () => {
    const archive = await encryptedArchive();
    const info = await readArchive(archive);
    expect(info.manifest).toMatchObject({ encrypted: true, kdf: { name: 'scrypt', N: 32768 } });
    expect(info.manifest.audit_key).toEqual({
      nonce: expect.any(String),
      sealed: expect.any(String),
    });
    // Neither the plaintext database nor a key is anywhere in the file.
    const bytes = readFileSync(archive);
    expect(bytes.includes(Buffer.from('SQLite format 3'))).toBe(false);
    expect(bytes.includes(AUDIT_KEY)).toBe(false);
    expect(bytes.includes(Buffer.from(AUDIT_KEY.toString('base64')))).toBe(false);
    const out = join(directory, 'out.db');
    const { key, auditKey } = await extractDatabase(archive, info, out, PASSPHRASE);
    expect(key).toEqual(Buffer.alloc(32, 7));
    expect(auditKey).toEqual(AUDIT_KEY);
    expect(readFileSync(out).equals(readFileSync(database))).toBe(true);
  });

  it('reads an encrypted backup made before backups carried the audit key', async () => {
    const archive = await encryptedArchive();
    await rewriteManifest(archive, (manifest) => delete manifest.audit_key, PASSPHRASE);
    const info = await readArchive(archive);
    expect(info.manifest).not.toHaveProperty('audit_key');
    const out = join(directory, 'out.db');
    expect(await extractDatabase(archive, info, out, PASSPHRASE)).toEqual({
      key: Buffer.alloc(32, 7),
      auditKey: null,
    });
    expect(readFileSync(out).equals(readFileSync(database))).toBe(true);
  });

  it('refuses an audit key swapped in without the passphrase (MAC), or in an unencrypted backup', async () => {
    const archive = await encryptedArchive();
    const otherKeys = await deriveKeys('another passphrase', {
      name: 'scrypt',
      salt: randomBytes(16).toString('base64'),
      N: 2 ** 14,
      r: 8,
      p: 1,
    });
    await rewriteManifest(archive, (manifest) => {
      manifest.audit_key = wrapKey(otherKeys, randomBytes(40), 'audit-key');
    });
    const info = await readArchive(archive);
    await expect(
      extractDatabase(archive, info, join(directory, 'out.db'), PASSPHRASE),
    ).rejects.toThrow(/altered/);

    const plain = await plainArchive();
    const wrapped = wrapKey(otherKeys, randomBytes(40), 'audit-key');
    const manifest = { ...(await readArchive(plain)).manifest, audit_key: wrapped };
    expect(() => parseManifest(manifest)).toThrow(/only an encrypted backup carries the audit key/);
    expect(() => parseManifest({ ...manifest, audit_key: { nonce: 'x' } })).toThrow(
      /audit_key.sealed is missing/,
    );
  });

  it('wraps each key under its own purpose: one cannot be opened as the other', async () => {
    const keys = await deriveKeys(PASSPHRASE, {
      name: 'scrypt',
      salt: randomBytes(16).toString('base64'),
      N: 2 ** 14,
      r: 8,
      p: 1,
    });
    const encryptionKey = randomBytes(32);
    const wrapped = wrapKey(keys, encryptionKey, 'encryption-key');
    expect(unwrapKey(keys, wrapped, 'encryption-key')).toEqual(encryptionKey);
    expect(() => unwrapKey(keys, wrapped, 'audit-key')).toThrow(BackupPassphraseError);
    // An audit key may be longer than 32 bytes (TOMO_AUDIT_KEY), never shorter.
    const longKey = Buffer.from('x'.repeat(200));
    expect(unwrapKey(keys, wrapKey(keys, longKey, 'audit-key'), 'audit-key')).toEqual(longKey);
    expect(() => wrapKey(keys, randomBytes(16), 'audit-key')).toThrow(/invalid length/);
  });

  it('refuses a wrong or missing passphrase before writing anything', async () => {
    const archive = await encryptedArchive();
    const info = await readArchive(archive);
    const out = join(directory, 'out.db');
    await expect(extractDatabase(archive, info, out, 'wrong')).rejects.toBeInstanceOf(
      BackupPassphraseError,
    );
    await expect(extractDatabase(archive, info, out, undefined)).rejects.toBeInstanceOf(
      BackupPassphraseError,
    );
    expect(() => statSync(out)).toThrow();
  });

  it('detects a flipped byte in the payload of both kinds', async () => {
    for (const [archive, passphrase] of [
      [await plainArchive(), undefined],
      [await encryptedArchive(), PASSPHRASE],
    ] as const) {
      flipByte(archive, 5000);
      const info = await readArchive(archive);
      if (!passphrase) await expect(verifyArchive(archive, info)).rejects.toThrow(/corrupt/);
      await expect(
        extractDatabase(archive, info, join(directory, `out-${Math.random()}.db`), passphrase),
      ).rejects.toBeInstanceOf(BackupFormatError);
    }
  });

  it('detects a changed manifest (checksum, and the MAC of an encrypted backup)', async () => {
    const archive = await plainArchive();
    const size = statSync(archive).size;
    flipByte(archive, size - 60);
    await expect(readArchive(archive)).rejects.toThrow(/damaged|invalid/);
  });

  it('refuses files that are not backups: empty, a tar, truncated, extra bytes', async () => {
    const archive = await plainArchive();
    const bytes = readFileSync(archive);
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['a tar', Buffer.concat([Buffer.from('../../etc/passwd'), Buffer.alloc(1024)])],
      ['truncated', bytes.subarray(100)],
      ['extra bytes', Buffer.concat([Buffer.from('x'), bytes])],
      ['the bare database', readFileSync(database)],
    ];
    for (const [name, content] of cases) {
      const path = join(directory, `${name}.bin`);
      writeFileSync(path, content);
      await expect(readArchive(path)).rejects.toBeInstanceOf(BackupFormatError);
    }
  });
});
