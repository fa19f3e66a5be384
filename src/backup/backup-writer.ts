import { Inject, Injectable, Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { constants, existsSync, statSync } from 'node:fs';
import { chmod, copyFile, open, rename, stat } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { keyId } from '../common/crypto/secret-box';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  ManifestFields,
  sealPlainArchive,
  sha256Of,
  writeEncryptedArchive,
} from './archive/backup-archive';
import type { BackupManifest } from './archive/backup-manifest';
import { BackupFiles, syncDirectory } from './backup-files';
import type { BackupTrigger } from './backup.entity';
import { TransactionRunner } from '../database/transaction-runner';
import { assertIntegrity, detachFromWal } from './integrity-check';

/** Pages copied per step of SQLite's online backup (16 MiB at 4 KiB pages) between yields. */
const BACKUP_STEP_PAGES = 4096;

export interface WrittenBackup {
  filename: string;
  sizeBytes: number;
  manifest: BackupManifest;
}

export interface BackupRequest {
  id: string;
  trigger: BackupTrigger;
  createdAt: string;
  note: string | null;
  passphrase: string | null;
  /** The caller already holds every writer out (TransactionRunner.exclusive): do not wait for it. */
  writersHeldOut?: boolean;
  /** Called with 0..1 while the database is copied (MCP progress). */
  onProgress?: (fraction: number) => void;
}

/** The live better-sqlite3 handle under TypeORM. */
export function sqliteHandle(dataSource: DataSource): Database.Database {
  const handle = (dataSource.driver as { databaseConnection?: Database.Database })
    .databaseConnection;
  if (!handle) throw new Error('The database connection is not open.');
  return handle;
}

/** Runs PRAGMA integrity_check on a database file (made self-contained first). */
export async function checkIntegrity(path: string): Promise<void> {
  detachFromWal(path);
  await assertIntegrity(path);
}

const walBytes = (databasePath: string) =>
  existsSync(`${databasePath}-wal`) ? statSync(`${databasePath}-wal`).size : 0;

/**
 * Writes one backup file of the live database: a consistent copy (see `copyDatabase`), then
 * `integrity_check` on the copy (a worker thread) beside its SHA-256 or its encryption, the
 * manifest, fsync, and an atomic rename to its generated name.
 */
@Injectable()
export class BackupWriter {
  private readonly logger = new Logger('backup');

  constructor(
    private readonly dataSource: DataSource,
    private readonly files: BackupFiles,
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The name of the last migration applied to the live database. */
  async schemaVersion(): Promise<string> {
    const rows = await this.dataSource.query<{ name: string }[]>(
      'SELECT name FROM migrations ORDER BY timestamp DESC, id DESC LIMIT 1',
    );
    return rows[0]?.name ?? 'none';
  }

  async write(request: BackupRequest): Promise<WrittenBackup> {
    this.files.ensureDirectory();
    const filename = this.files.newFileName(request.trigger, request.id, request.createdAt);
    const copy = this.files.tempPath('.db');
    const archive = request.passphrase ? this.files.tempPath('.tomobak') : copy;
    try {
      const fields: ManifestFields = {
        app_version: this.config.version,
        schema_version: await this.schemaVersion(),
        created_at: request.createdAt,
        trigger: request.trigger,
        note: request.note,
        source_key_id: keyId(this.config.encryptionKey),
      };
      await this.copyDatabase(copy, request);
      await chmod(copy, 0o600);
      detachFromWal(copy);
      // The integrity check reads the copy on a worker while this thread hashes or encrypts it.
      const [, written] = await Promise.all([
        assertIntegrity(copy),
        request.passphrase
          ? writeEncryptedArchive(copy, archive, fields, request.passphrase, {
              encryptionKey: this.config.encryptionKey,
              auditKey: this.config.auditKey,
            })
          : sha256Of(copy).then((sha256) => ({ sha256 })),
      ]);
      const sealed =
        'manifest' in written ? written : await sealPlainArchive(copy, fields, written.sha256);
      const target = this.files.pathOf(filename);
      await rename(archive, target);
      await syncDirectory(this.files.directory);
      const { size } = await stat(target);
      return { filename, sizeBytes: size, manifest: sealed.manifest };
    } finally {
      await this.files.removeQuietly(copy);
      if (archive !== copy) await this.files.removeQuietly(archive);
    }
  }

  /**
   * Copies the live database to `copy`. First choice, a plain file copy (the kernel's, several
   * times faster than page by page): with every writer held out, the WAL is checkpointed into
   * the database file and emptied, a second connection takes SQLite's write lock (so even a
   * writer outside TransactionRunner cannot change the file), and the file is copied whole.
   * When the WAL cannot be emptied (a reader holds it), SQLite's online backup API instead.
   */
  private async copyDatabase(copy: string, request: BackupRequest) {
    const live = this.config.databasePath;
    const copyFileLocked = async () => {
      const [checkpoint] = sqliteHandle(this.dataSource).pragma('wal_checkpoint(TRUNCATE)') as {
        busy: number;
      }[];
      if (checkpoint?.busy || walBytes(live) > 0) return false;
      const lock = new Database(live, { fileMustExist: true });
      try {
        lock.pragma('busy_timeout = 0');
        lock.exec('BEGIN IMMEDIATE');
        if (walBytes(live) > 0) return false;
        await copyFile(live, copy, constants.COPYFILE_FICLONE);
        return true;
      } catch (error) {
        this.logger.warn(
          `File copy of the database failed, using the online backup: ${String(error)}`,
        );
        await this.files.removeQuietly(copy);
        return false;
      } finally {
        if (lock.inTransaction) lock.exec('ROLLBACK');
        lock.close();
      }
    };
    const copied = request.writersHeldOut
      ? await copyFileLocked()
      : await this.transactions.exclusive(copyFileLocked);
    if (!copied) {
      await sqliteHandle(this.dataSource).backup(copy, {
        progress: ({ totalPages, remainingPages }) => {
          request.onProgress?.(totalPages ? 1 - remainingPages / totalPages : 1);
          return BACKUP_STEP_PAGES;
        },
      });
    }
    const handle = await open(copy, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
