import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The generated audit key, in the data directory (when TOMO_AUDIT_KEY is not set). */
export const AUDIT_KEY_FILE = 'audit-key';
/**
 * A restore that adopts a backup's audit key writes it to `<key file>.restore` (with the path of
 * the prepared database) before it swaps the database; the key replaced is kept as
 * `<key file>.pre-restore`. docs/backup.md "Crash safety" gives the order.
 */
export const PENDING_AUDIT_KEY_SUFFIX = '.restore';
export const PRE_RESTORE_AUDIT_KEY_SUFFIX = '.pre-restore';

interface PendingAuditKey {
  /** The key, base64 of its bytes. */
  key: string;
  /** The prepared database: while it exists, the swap has not happened. */
  database: string;
}

/**
 * The text of a key file holding `key` (the file's trimmed text is the key), or null when the
 * key cannot be written as one (not UTF-8, or blank at either end).
 */
export function auditKeyFileText(key: Buffer): string | null {
  const text = key.toString('utf8');
  return text.length && text === text.trim() && Buffer.from(text, 'utf8').equals(key)
    ? `${text}\n`
    : null;
}

/** The key of a key file, as loadConfig reads it; null when the file is absent. */
export function readAuditKeyFile(path: string): Buffer | null {
  return existsSync(path) ? Buffer.from(readFileSync(path, 'utf8').trim(), 'utf8') : null;
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a file (0600) beside `path` and renames it over `path`, fsynced. */
function replaceFile(path: string, text: string): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  syncPath(temp);
  renameSync(temp, path);
}

/** Step 1 of adopting a backup's audit key: `<key file>.restore`, fsynced, before the swap. */
export function writePendingAuditKey(keyFile: string, key: Buffer, database: string): void {
  if (!auditKeyFileText(key)) throw new Error('the audit key cannot be written to a key file');
  const pending: PendingAuditKey = { key: key.toString('base64'), database: resolve(database) };
  replaceFile(`${keyFile}${PENDING_AUDIT_KEY_SUFFIX}`, JSON.stringify(pending));
  syncPath(dirname(keyFile));
}

/** Drops a pending key whose swap did not happen (the restore failed before it). */
export function discardPendingAuditKey(keyFile: string): void {
  const pending = `${keyFile}${PENDING_AUDIT_KEY_SUFFIX}`;
  if (!existsSync(pending)) return;
  unlinkSync(pending);
  syncPath(dirname(keyFile));
}

/**
 * Step 2, after the database swap: the current key to `.pre-restore`, the pending key renamed
 * over the key file, the pending file removed. Idempotent: a crash half-way is finished by
 * `settlePendingAuditKey` at the next start (the key is only saved while it is not yet the new one).
 */
export function commitPendingAuditKey(keyFile: string): void {
  const pendingPath = `${keyFile}${PENDING_AUDIT_KEY_SUFFIX}`;
  const pending = JSON.parse(readFileSync(pendingPath, 'utf8')) as PendingAuditKey;
  const key = Buffer.from(pending.key, 'base64');
  const current = readAuditKeyFile(keyFile);
  if (!current?.equals(key)) {
    if (current)
      replaceFile(`${keyFile}${PRE_RESTORE_AUDIT_KEY_SUFFIX}`, `${current.toString()}\n`);
    replaceFile(keyFile, auditKeyFileText(key)!);
  }
  unlinkSync(pendingPath);
  syncPath(dirname(keyFile));
}

/**
 * At startup, before the key file is read: finishes or drops a restore's pending audit key so
 * that the key matches the database. The prepared database still there means the swap did not
 * happen (drop the pending key); gone means it did (adopt it). The pending file is written to a
 * temporary name and renamed, so it is whole or absent; one that cannot be read is dropped.
 */
export function settlePendingAuditKey(keyFile: string): 'none' | 'adopted' | 'discarded' {
  const pendingPath = `${keyFile}${PENDING_AUDIT_KEY_SUFFIX}`;
  if (!existsSync(pendingPath)) return 'none';
  let pending: PendingAuditKey | null;
  try {
    pending = JSON.parse(readFileSync(pendingPath, 'utf8')) as PendingAuditKey;
  } catch {
    pending = null;
  }
  if (!pending || typeof pending.database !== 'string' || existsSync(pending.database)) {
    discardPendingAuditKey(keyFile);
    return 'discarded';
  }
  commitPendingAuditKey(keyFile);
  return 'adopted';
}

/** A short id of an audit key (never the key): lets an admin tell two keys apart. */
export function auditKeyId(key: Buffer): string {
  return createHash('sha256').update('tomo-audit-key-id').update(key).digest('hex').slice(0, 8);
}
