import { Inject, Injectable, Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import { ANCHOR_ID, AuditAnchorEntity } from '../audit/audit-anchor.entity';
import { anchorSignature, auditHash } from '../audit/audit-chain';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { DomainError } from '../common/errors/domain-error';
import { keyId, SecretBox } from '../common/crypto/secret-box';
import { constantTimeEqual } from '../common/crypto/tokens';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  auditKeyFileText,
  auditKeyId,
  commitPendingAuditKey,
  discardPendingAuditKey,
  PRE_RESTORE_AUDIT_KEY_SUFFIX,
  readAuditKeyFile,
  writePendingAuditKey,
} from '../config/audit-key-file';
import { sqliteDataSourceOptions } from '../database/data-source-options';
import { MIGRATIONS } from '../database/migrations';
import { TransactionRunner } from '../database/transaction-runner';
import { CredentialRotation } from '../servers/credentials/credential-rotation';
import { ArchiveInfo } from './archive/backup-archive';
import { syncDirectory } from './backup-files';
import { checkIntegrity, sqliteHandle } from './backup-writer';

/** Envelopes of SecretBox (`v1:<key id>:<nonce>:<sealed>`), as a GLOB over text columns. */
const ENVELOPE_GLOB = `v1:${'[0-9a-f]'.repeat(8)}:*:*`;

export interface PreparedRestore {
  /** The prepared database beside the live one. */
  path: string;
  schemaVersion: string;
  migrated: boolean;
  resealed: number;
  sessionsRevoked: number;
  /** The audit key the restored database is chained with, when it is not the current one. */
  auditKey: Buffer | null;
}

const migrationNames = () => MIGRATIONS.map((migration) => new migration().name);
const timestampOf = (name: string) => Number(/(\d{13})$/.exec(name)?.[1] ?? NaN);

/**
 * Restores a backup: prepares a copy beside the live database (checks, migrations, re-sealing,
 * sessions), then swaps it in with every writer held out and re-opens the same DataSource, so
 * that repositories and services keep working without a process restart.
 */
@Injectable()
export class DatabaseRestorer {
  private readonly logger = new Logger('backup');

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly rotation: CredentialRotation,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Refuses, before anything is read, a backup whose schema this build does not know. */
  checkSchema(schemaVersion: string): void {
    const known = migrationNames();
    if (known.includes(schemaVersion) || schemaVersion === 'none') return;
    const ours = known[known.length - 1] ?? 'none';
    const newer = !(timestampOf(schemaVersion) < timestampOf(ours));
    throw new DomainError(
      'BACKUP_SCHEMA_NEWER',
      newer
        ? `The backup's database schema (${schemaVersion}) is newer than this Tomo's (${ours}); restore it with a Tomo version at least as new as the one that made it.`
        : `The backup's database schema (${schemaVersion}) is unknown to this Tomo (latest ${ours}).`,
      { backup_schema_version: schemaVersion, schema_version: ours },
    );
  }

  /**
   * Checks and prepares the extracted database at `path`: integrity, schema (migrated when
   * older), the audit key its chains need, sealed secrets (re-sealed under this installation's
   * key when the backup brought its own), every session revoked, and API tokens revoked here
   * kept revoked.
   */
  async prepare(
    path: string,
    info: ArchiveInfo,
    backupKey: Buffer | null,
    backupAuditKey: Buffer | null,
  ): Promise<PreparedRestore> {
    // A key given by TOMO_AUDIT_KEY cannot be adopted: refuse before any work.
    if (backupAuditKey) this.checkAuditKeyAdoptable(backupAuditKey);
    try {
      await checkIntegrity(path);
    } catch (error) {
      throw new DomainError(
        'BACKUP_INVALID',
        `The backup's database is damaged (${(error as Error).message}).`,
      );
    }
    const installationKeys = [this.config.encryptionKey, ...this.config.encryptionKeyFallbacks];
    const { applied, keyIds } = this.inspect(path);
    const unknown = applied.filter((name) => !migrationNames().includes(name));
    if (unknown.length) this.checkSchema(unknown[unknown.length - 1] ?? 'unknown');
    const usable = new Set([...installationKeys, ...(backupKey ? [backupKey] : [])].map(keyId));
    const missing = keyIds.filter((id) => !usable.has(id));
    if (missing.length) {
      throw new DomainError(
        'BACKUP_KEY_MISSING',
        `The backup holds credentials sealed under encryption key ${missing.join(', ')}, which this installation does not have (its key is ${keyId(this.config.encryptionKey)}). Restore a backup created with a passphrase (it carries its key), or start Tomo with that key.`,
        { missing_key_ids: missing },
      );
    }
    const revokedTokens = await this.dataSource.query<{ id: string; revoked_at: string }[]>(
      'SELECT id, revoked_at FROM api_tokens WHERE revoked_at IS NOT NULL',
    );
    const copy = new DataSource(sqliteDataSourceOptions(path));
    await copy.initialize();
    try {
      const migrations = await copy.runMigrations({ transaction: 'each' });
      const auditKey = await this.auditKeyFor(copy, backupAuditKey);
      const sealingId = keyId(this.config.encryptionKey);
      const outcome = await copy.transaction(async (manager) => {
        let resealed = 0;
        if (keyIds.some((id) => id !== sealingId)) {
          const current = new SecretBox([
            this.config.encryptionKey,
            ...this.config.encryptionKeyFallbacks,
            ...(backupKey ? [backupKey] : []),
          ]);
          const next = new SecretBox([this.config.encryptionKey]);
          resealed = (await this.rotation.resealWithin(manager, current, next)).resealed;
        }
        const now = nowIso();
        const [open] = await manager.query<{ count: number }[]>(
          'SELECT COUNT(*) AS count FROM sessions WHERE revoked_at IS NULL',
        );
        await manager.query(
          "UPDATE sessions SET revoked_at = ?, revoked_reason = 'backup_restored' WHERE revoked_at IS NULL",
          [now],
        );
        for (const token of revokedTokens) {
          await manager.query(
            'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
            [token.revoked_at, token.id],
          );
        }
        return { resealed, sessionsRevoked: Number(open?.count ?? 0) };
      });
      const [last] = await copy.query<{ name: string }[]>(
        'SELECT name FROM migrations ORDER BY timestamp DESC, id DESC LIMIT 1',
      );
      return {
        path,
        schemaVersion: last?.name ?? 'none',
        migrated: migrations.length > 0,
        ...outcome,
        auditKey,
      };
    } finally {
      await copy.destroy();
      await syncFile(path);
    }
  }

  /**
   * The audit key the restored database's chains (audit_log, settings_audit) need, when it is
   * not the current one (null: keep it). A passphrase backup brings its key. For any other, the
   * key that reproduces the newest audit entry (or the purge anchor) is looked for among this
   * installation's keys: the current one and the one the last restore replaced (the key of its
   * pre-restore backup). A log no key of this installation verifies is refused: accepting it
   * would make tampering with it undetectable.
   */
  private async auditKeyFor(
    copy: DataSource,
    backupAuditKey: Buffer | null,
  ): Promise<Buffer | null> {
    const current = this.config.auditKey;
    let needed = backupAuditKey;
    if (!needed) {
      const file = this.config.auditKeyFile;
      const replaced = file ? readAuditKeyFile(`${file}${PRE_RESTORE_AUDIT_KEY_SUFFIX}`) : null;
      const found = await chainKeyOf(copy, [current, ...(replaced ? [replaced] : [])]);
      if (found === undefined) {
        throw new DomainError(
          'BACKUP_AUDIT_KEY_MISMATCH',
          `The backup's audit log is chained with an audit key this installation does not have (its key id is ${auditKeyId(current)}): restored, its entries could no longer be verified. Restore a backup created with a passphrase (it carries its audit key), or start Tomo with TOMO_AUDIT_KEY set to the audit key of the installation that made the backup.`,
          { audit_key_id: auditKeyId(current) },
        );
      }
      needed = found;
    }
    if (!needed || needed.equals(current)) return null;
    this.checkAuditKeyAdoptable(needed);
    return needed;
  }

  /** Refuses a backup's audit key that this installation cannot take over (unless it has it). */
  private checkAuditKeyAdoptable(backupAuditKey: Buffer): void {
    const current = this.config.auditKey;
    if (backupAuditKey.equals(current)) return;
    const details = {
      audit_key_id: auditKeyId(current),
      backup_audit_key_id: auditKeyId(backupAuditKey),
    };
    if (!this.config.auditKeyFile) {
      throw new DomainError(
        'BACKUP_AUDIT_KEY_MISMATCH',
        `The backup's audit key (id ${details.backup_audit_key_id}) differs from this installation's, which is set by TOMO_AUDIT_KEY (id ${details.audit_key_id}) and cannot be replaced by a restore. Set TOMO_AUDIT_KEY to the audit key of the installation that made the backup (its TOMO_AUDIT_KEY, or the content of its audit-key file), restart Tomo and restore again.`,
        details,
      );
    }
    if (!auditKeyFileText(backupAuditKey)) {
      throw new DomainError(
        'BACKUP_AUDIT_KEY_MISMATCH',
        `The backup's audit key (id ${details.backup_audit_key_id}) cannot be written to this installation's audit-key file (it starts or ends with white space, or is not UTF-8). Set TOMO_AUDIT_KEY to it, restart Tomo and restore again.`,
        details,
      );
    }
  }

  /**
   * Swaps the prepared database in. Every writer is held out; `beforeSwap` runs first (the
   * pre-restore copy of the live database). The live WAL is checkpointed into the database and
   * the connection closed, stale `-wal`/`-shm` files are removed, the prepared file is renamed
   * over the database (atomic), and the same DataSource is opened on it again (pending
   * migrations run). A crash at any point leaves the old or the new database, whole.
   */
  async swap(prepared: PreparedRestore, beforeSwap: () => Promise<void>): Promise<void> {
    const target = this.config.databasePath;
    if (existsSync(`${prepared.path}-wal`)) {
      throw new Error('the prepared database still has a write-ahead log');
    }
    const keyFile = prepared.auditKey ? this.config.auditKeyFile : null;
    // The audit key to adopt goes beside the key file first, naming the prepared database: at
    // startup, that file gone means the swap happened (docs/backup.md "Crash safety").
    if (keyFile && prepared.auditKey)
      writePendingAuditKey(keyFile, prepared.auditKey, prepared.path);
    let swapped = false;
    await this.transactions.exclusive(async () => {
      await beforeSwap();
      sqliteHandle(this.dataSource).pragma('wal_checkpoint(TRUNCATE)');
      await this.dataSource.destroy();
      try {
        for (const suffix of ['-wal', '-shm']) {
          await unlink(target + suffix).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          });
        }
        await rename(prepared.path, target);
        swapped = true;
        // The database is the backup's now: so is the key its chains continue with.
        if (prepared.auditKey) this.config.auditKey = prepared.auditKey;
        await syncDirectory(dirname(target));
        if (keyFile) this.commitAuditKeyFile(keyFile);
      } finally {
        if (!swapped) this.logger.warn('Restore did not swap the database; reopening the old one.');
        await this.dataSource.initialize();
      }
    });
  }

  /**
   * Before a failed restore removes its prepared database: drops the audit key pending for it.
   * The file must not go while that key stays (a start would take its absence for a swap), so
   * false when the key could not be dropped (the next start settles both). Once the swap
   * happened the file is gone and the pending key is left to be committed.
   */
  dropPendingAuditKey(preparedPath: string): boolean {
    const keyFile = this.config.auditKeyFile;
    if (!keyFile || !existsSync(preparedPath)) return true;
    try {
      discardPendingAuditKey(keyFile);
      return true;
    } catch (error) {
      this.logger.error(`The pending audit key could not be removed: ${String(error)}`);
      return false;
    }
  }

  /**
   * After the swap is durable: the key file takes the adopted key (the replaced one kept as
   * `.pre-restore`). Should this fail, the pending key stays and the next start finishes it.
   */
  private commitAuditKeyFile(keyFile: string): void {
    try {
      commitPendingAuditKey(keyFile);
    } catch (error) {
      this.logger.error(
        `The adopted audit key could not be written to ${keyFile} (${String(error)}); the next start writes it.`,
      );
    }
  }

  /** Applied migrations and the key ids of every sealed value in text columns. */
  private inspect(path: string): { applied: string[]; keyIds: string[] } {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const hasMigrations = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'")
        .get();
      const applied = hasMigrations
        ? (db
            .prepare('SELECT name FROM migrations ORDER BY timestamp, id')
            .pluck()
            .all() as string[])
        : [];
      const keyIds = new Set<string>();
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[];
      for (const table of tables) {
        const quoted = `"${table.replace(/"/g, '""')}"`;
        const columns = db.prepare(`PRAGMA table_info(${quoted})`).all() as {
          name: string;
          type: string;
        }[];
        for (const column of columns) {
          if (!/char|text|clob/i.test(column.type)) continue;
          const name = `"${column.name.replace(/"/g, '""')}"`;
          const ids = db
            .prepare(`SELECT DISTINCT substr(${name}, 4, 8) FROM ${quoted} WHERE ${name} GLOB ?`)
            .pluck()
            .all(ENVELOPE_GLOB) as string[];
          for (const id of ids) keyIds.add(id);
        }
      }
      return { applied, keyIds: [...keyIds].sort() };
    } finally {
      db.close();
    }
  }
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Which of `keys` the audit log of a database is chained with: the one that reproduces its
 * newest entry's hash (or, every entry purged, the anchor's signature). null when there is
 * nothing to tell by; undefined when no key fits.
 */
async function chainKeyOf(
  database: DataSource,
  keys: Buffer[],
): Promise<Buffer | null | undefined> {
  const [newest] = await database
    .getRepository(AuditEntryEntity)
    .find({ order: { seq: 'DESC' }, take: 1 });
  if (newest) return keys.find((key) => auditHash(key, newest) === newest.hash);
  const anchor = await database.getRepository(AuditAnchorEntity).findOneBy({ id: ANCHOR_ID });
  if (!anchor) return null;
  return keys.find((key) => constantTimeEqual(anchor.signature, anchorSignature(key, anchor)));
}
