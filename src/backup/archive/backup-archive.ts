import {
  createCipheriv,
  createDecipheriv,
  createHash,
  DecipherGCM,
  randomBytes,
} from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import {
  BackupPassphraseError,
  deriveKeys,
  KdfParams,
  macMatches,
  manifestMac,
  newKdfParams,
  NONCE_BYTES,
  unwrapKey,
  wrapKey,
} from './backup-crypto';
import { BackupFormatError } from './backup-format-error';
import { BackupManifest, parseManifest } from './backup-manifest';

/**
 * A Tomo backup is one file in its own framing (docs/backup.md "File format"):
 *
 *     payload | manifest.json | trailer (32 bytes)
 *
 * The payload is the SQLite database (unencrypted) or its AES-256-GCM ciphertext (same length).
 * The trailer is `TOMOBAK\0`, the format version (u32), the manifest length (u32), the payload
 * length (u64) and the first 8 bytes of the manifest's SHA-256. Putting the manifest last lets
 * an unencrypted backup be written by SQLite's online backup straight into its final file (the
 * payload is never copied twice), and the format holds no file names: nothing to traverse.
 */
export const FORMAT_VERSION = 1;
const MAGIC = Buffer.from('TOMOBAK\0', 'latin1');
const TRAILER_BYTES = 32;
const MAX_MANIFEST_BYTES = 64 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export { BackupFormatError, BackupPassphraseError };

/** What the caller knows about a backup before it is written. */
export interface ManifestFields {
  app_version: string;
  schema_version: string;
  created_at: string;
  trigger: BackupManifest['trigger'];
  note: string | null;
  /** Key id (not the key) of the installation whose sealed data the database holds. */
  source_key_id: string;
}

export interface ArchiveInfo {
  manifest: BackupManifest;
  manifestText: string;
  payloadBytes: number;
  fileBytes: number;
}

/** Streams `[start, end)` of a file in chunks. */
async function* chunks(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  if (end <= start) return;
  for await (const chunk of createReadStream(path, {
    start,
    end: end - 1,
    highWaterMark: CHUNK_BYTES,
  })) {
    yield chunk as Buffer;
  }
}

function trailer(manifestText: Buffer, payloadBytes: number): Buffer {
  const buffer = Buffer.alloc(TRAILER_BYTES);
  MAGIC.copy(buffer, 0);
  buffer.writeUInt32BE(FORMAT_VERSION, 8);
  buffer.writeUInt32BE(manifestText.length, 12);
  buffer.writeBigUInt64BE(BigInt(payloadBytes), 16);
  createHash('sha256').update(manifestText).digest().copy(buffer, 24, 0, 8);
  return buffer;
}

async function appendManifest(path: string, manifest: BackupManifest, payloadBytes: number) {
  const text = Buffer.from(JSON.stringify(manifest), 'utf8');
  const file = await open(path, 'r+');
  try {
    await file.truncate(payloadBytes);
    await file.write(
      Buffer.concat([text, trailer(text, payloadBytes)]),
      0,
      undefined,
      payloadBytes,
    );
    await file.sync();
  } finally {
    await file.close();
  }
  return payloadBytes + text.length + TRAILER_BYTES;
}

function baseManifest(fields: ManifestFields, sha256: string, bytes: number): BackupManifest {
  return {
    format: 'tomo-backup',
    format_version: FORMAT_VERSION,
    app_version: fields.app_version,
    schema_version: fields.schema_version,
    created_at: fields.created_at,
    trigger: fields.trigger,
    note: fields.note,
    database: { size_bytes: bytes, sha256 },
    source_key_id: fields.source_key_id,
    encrypted: false,
    kdf: null,
    cipher: null,
    encryption_key: null,
    mac: null,
  };
}

/**
 * Turns a file holding the plain database into an unencrypted backup in place: appends the
 * manifest (with the SHA-256 given, or computed here) and the trailer, then fsyncs.
 */
export async function sealPlainArchive(
  path: string,
  fields: ManifestFields,
  sha256?: string,
): Promise<{ manifest: BackupManifest; sizeBytes: number }> {
  const { size } = await stat(path);
  const manifest = baseManifest(fields, sha256 ?? (await sha256Of(path)), size);
  return { manifest, sizeBytes: await appendManifest(path, manifest, size) };
}

/** SHA-256 (hex) of a whole file, streamed. */
export async function sha256Of(path: string): Promise<string> {
  const { size } = await stat(path);
  const hash = createHash('sha256');
  for await (const chunk of chunks(path, 0, size)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Writes an encrypted backup of the plain database file: scrypt(passphrase) → AES-256-GCM over
 * the database, streamed; the installation's encryption and audit keys wrapped with the same
 * key; the manifest MACed so that its fields cannot be changed without the passphrase.
 */
export async function writeEncryptedArchive(
  plainPath: string,
  archivePath: string,
  fields: ManifestFields,
  passphrase: string,
  installationKeys: { encryptionKey: Buffer; auditKey: Buffer },
): Promise<{ manifest: BackupManifest; sizeBytes: number }> {
  const kdf: KdfParams = newKdfParams();
  const keys = await deriveKeys(passphrase, kdf);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.cipherKey, nonce);
  cipher.setAAD(Buffer.from('tomo-backup:payload', 'utf8'));
  const hash = createHash('sha256');
  const { size } = await stat(plainPath);
  const out = await open(archivePath, 'wx', 0o600);
  try {
    for await (const chunk of chunks(plainPath, 0, size)) {
      hash.update(chunk);
      await out.write(cipher.update(chunk));
    }
    const rest = cipher.final();
    if (rest.length) await out.write(rest);
  } finally {
    await out.close();
  }
  const manifest: BackupManifest = {
    ...baseManifest(fields, hash.digest('hex'), size),
    encrypted: true,
    kdf,
    cipher: {
      name: 'aes-256-gcm',
      nonce: nonce.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    },
    encryption_key: wrapKey(keys, installationKeys.encryptionKey, 'encryption-key'),
    audit_key: wrapKey(keys, installationKeys.auditKey, 'audit-key'),
  };
  manifest.mac = manifestMac(keys, JSON.stringify({ ...manifest, mac: null }));
  return { manifest, sizeBytes: await appendManifest(archivePath, manifest, size) };
}

/** Reads and validates the trailer and manifest of a backup file (reads no payload). */
export async function readArchive(path: string): Promise<ArchiveInfo> {
  const file = await open(path, 'r');
  try {
    const { size, isFile } = await file.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile || size < TRAILER_BYTES) throw new BackupFormatError('not a Tomo backup file');
    const tail = Buffer.alloc(TRAILER_BYTES);
    await file.read(tail, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    if (!tail.subarray(0, 8).equals(MAGIC)) throw new BackupFormatError('not a Tomo backup file');
    const version = tail.readUInt32BE(8);
    if (version !== FORMAT_VERSION) {
      throw new BackupFormatError(
        `backup format version ${version} is not supported (this Tomo reads version ${FORMAT_VERSION})`,
      );
    }
    const manifestBytes = tail.readUInt32BE(12);
    const payloadBytes = Number(tail.readBigUInt64BE(16));
    if (
      manifestBytes === 0 ||
      manifestBytes > MAX_MANIFEST_BYTES ||
      payloadBytes + manifestBytes + TRAILER_BYTES !== size
    ) {
      throw new BackupFormatError('the backup file is truncated or has extra bytes');
    }
    const text = Buffer.alloc(manifestBytes);
    await file.read(text, 0, manifestBytes, payloadBytes);
    const digest = createHash('sha256').update(text).digest().subarray(0, 8);
    if (!digest.equals(tail.subarray(24, 32))) {
      throw new BackupFormatError('the backup manifest is damaged (checksum mismatch)');
    }
    const manifestText = text.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(manifestText);
    } catch {
      throw new BackupFormatError('the backup manifest is not valid JSON');
    }
    const manifest = parseManifest(parsed);
    const expectedPayload = manifest.database.size_bytes;
    if (payloadBytes !== expectedPayload) {
      throw new BackupFormatError('the payload size does not match the manifest');
    }
    return { manifest, manifestText, payloadBytes, fileBytes: size };
  } finally {
    await file.close();
  }
}

/**
 * Checks what can be checked without a passphrase: for an unencrypted backup the SQLite header
 * and the SHA-256 of the database bytes; for an encrypted one only the container (the GCM tag and
 * the checksum are checked when it is restored with its passphrase).
 */
export async function verifyArchive(path: string, info: ArchiveInfo): Promise<void> {
  if (info.manifest.encrypted) return;
  const hash = createHash('sha256');
  let first = true;
  for await (const chunk of chunks(path, 0, info.payloadBytes)) {
    if (first && !chunk.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
      throw new BackupFormatError('the backup payload is not a SQLite database');
    }
    first = false;
    hash.update(chunk);
  }
  if (hash.digest('hex') !== info.manifest.database.sha256) {
    throw new BackupFormatError('the backup is corrupt (SHA-256 of the database does not match)');
  }
}

/**
 * Writes the plain database of a backup to `outPath` (mode 0600, fsynced), verifying the
 * passphrase (before any payload is read), the GCM tag and the SHA-256. Returns the
 * installation keys the backup carries (null for an unencrypted backup; `auditKey` also null
 * for an encrypted backup made before backups carried it).
 */
export async function extractDatabase(
  path: string,
  info: ArchiveInfo,
  outPath: string,
  passphrase: string | undefined,
): Promise<{ key: Buffer | null; auditKey: Buffer | null }> {
  const { manifest } = info;
  let decipher: DecipherGCM | null = null;
  let key: Buffer | null = null;
  let auditKey: Buffer | null = null;
  if (manifest.encrypted) {
    if (!manifest.kdf || !manifest.cipher || !manifest.encryption_key || !manifest.mac) {
      throw new BackupFormatError('the encrypted backup lacks its key parameters');
    }
    if (!passphrase)
      throw new BackupPassphraseError('this backup is encrypted: give its passphrase');
    const keys = await deriveKeys(passphrase, manifest.kdf);
    key = unwrapKey(keys, manifest.encryption_key, 'encryption-key');
    if (!macMatches(keys, JSON.stringify({ ...manifest, mac: null }), manifest.mac)) {
      throw new BackupFormatError('the backup manifest was altered');
    }
    if (manifest.audit_key) auditKey = unwrapKey(keys, manifest.audit_key, 'audit-key');
    decipher = createDecipheriv(
      'aes-256-gcm',
      keys.cipherKey,
      Buffer.from(manifest.cipher.nonce, 'base64'),
    );
    decipher.setAAD(Buffer.from('tomo-backup:payload', 'utf8'));
    decipher.setAuthTag(Buffer.from(manifest.cipher.tag, 'base64'));
  }
  const hash = createHash('sha256');
  const out = await open(outPath, 'wx', 0o600);
  try {
    for await (const chunk of chunks(path, 0, info.payloadBytes)) {
      const plain = decipher ? decipher.update(chunk) : chunk;
      hash.update(plain);
      await out.write(plain);
    }
    if (decipher) {
      try {
        decipher.final();
      } catch {
        throw new BackupFormatError('the backup is corrupt (encrypted data failed authentication)');
      }
    }
    await out.sync();
  } finally {
    await out.close();
  }
  if (hash.digest('hex') !== manifest.database.sha256) {
    throw new BackupFormatError('the backup is corrupt (SHA-256 of the database does not match)');
  }
  return { key, auditKey };
}
