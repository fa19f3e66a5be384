import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Mutex } from 'async-mutex';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, ReadStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EntityManager, In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, SYSTEM_ACTOR } from '../common/auth/principal';
import { DomainError, notFound } from '../common/errors/domain-error';
import { EventBus } from '../common/events/event-bus';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { auditKeyId } from '../config/audit-key-file';
import { TransactionRunner } from '../database/transaction-runner';
import { UserEntity } from '../auth/entities/user.entity';
import type { LastBackup, LastBackupSource } from '../monitoring/last-backup-source';
import {
  BackupFormatError,
  BackupPassphraseError,
  extractDatabase,
  readArchive,
  verifyArchive,
} from './archive/backup-archive';
import { BackupFiles, syncDirectory } from './backup-files';
import { BackupWriter, WrittenBackup } from './backup-writer';
import { BackupEntity, BackupTrigger } from './backup.entity';
import { BackupView, toBackupView } from './backup.views';
import { DatabaseRestorer, PreparedRestore } from './database-restorer';
import { BackupIdDto, CreateBackupDto, RestoreBackupDto } from './dto/backup.dto';

/** Largest upload accepted (a backup is about the size of the database). */
export const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

export interface RestoreResult {
  restored_backup_id: string;
  pre_restore_backup: BackupView;
  schema_version: string;
  migrated: boolean;
  resealed: number;
  sessions_revoked: number;
}

/** Maps the archive's own errors to errors a caller can act on. */
function asDomainError(error: unknown): unknown {
  if (error instanceof BackupPassphraseError) {
    return new DomainError(
      'BACKUP_PASSPHRASE_INVALID',
      error.message === 'wrong passphrase'
        ? 'The passphrase does not open this backup.'
        : `${error.message[0]?.toUpperCase()}${error.message.slice(1)}.`,
    );
  }
  if (error instanceof BackupFormatError) {
    return new DomainError('BACKUP_INVALID', `Not a valid Tomo backup: ${error.message}.`);
  }
  return error;
}

/**
 * Backups of the database: create (online copy, checked, optionally encrypted), list, delete,
 * download, upload and restore (swapped in without a restart). One backup or restore at a time.
 */
@Injectable()
export class BackupService implements OnApplicationBootstrap, LastBackupSource {
  private readonly logger = new Logger('backup');
  private readonly busy = new Mutex();

  constructor(
    @InjectRepository(BackupEntity) private readonly rows: Repository<BackupEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: EventBus,
    private readonly files: BackupFiles,
    private readonly writer: BackupWriter,
    private readonly restorer: DatabaseRestorer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Removes a crash's leftovers and registers backup files the database does not list. */
  async onApplicationBootstrap(): Promise<void> {
    this.files.ensureDirectory();
    const removed = await this.files.removeLeftovers();
    if (removed.length) this.logger.warn(`Removed unfinished backup work files: ${removed.length}`);
    await this.transactions.run((manager) => this.reconcile(manager));
  }

  async list(): Promise<{ items: BackupView[]; total: number }> {
    const [rows, total] = await this.rows.findAndCount({ order: { createdAt: 'DESC', id: 'ASC' } });
    return { items: rows.map(toBackupView), total };
  }

  /** The newest backup this installation made (manual or scheduled), for get_status. */
  async lastBackup(): Promise<LastBackup | null> {
    const [row] = await this.rows.find({
      where: { trigger: In(['manual', 'schedule']) },
      order: { createdAt: 'DESC' },
      take: 1,
    });
    return row ? { id: row.id, created_at: row.createdAt, size_bytes: row.sizeBytes } : null;
  }

  create(actor: Actor, input: CreateBackupDto): Promise<BackupView> {
    return this.createBackup(actor, 'manual', input.passphrase ?? null, input.note ?? null);
  }

  /** A scheduled backup (the scheduler's system actor). */
  createScheduled(passphrase: string | null): Promise<BackupView> {
    return this.createBackup(SYSTEM_ACTOR, 'schedule', passphrase, null);
  }

  private async createBackup(
    actor: Actor,
    trigger: 'manual' | 'schedule',
    passphrase: string | null,
    note: string | null,
  ): Promise<BackupView> {
    const status = (
      state: 'started' | 'finished' | 'failed',
      extra: { backupId?: string; filename?: string; sizeBytes?: number; error?: string } = {},
    ) =>
      this.events.emit('backup.status', {
        backupId: extra.backupId ?? null,
        status: state,
        trigger,
        filename: extra.filename ?? null,
        sizeBytes: extra.sizeBytes ?? null,
        error: extra.error ?? null,
      });
    return this.busy.runExclusive(async () => {
      const id = randomUUID();
      const createdAt = nowIso();
      status('started', { backupId: id });
      void actor.progress?.(0, 3, 'Copying the database');
      let written: WrittenBackup | null = null;
      try {
        written = await this.writer.write({
          id,
          trigger,
          createdAt,
          note,
          passphrase,
          onProgress: (fraction) => void actor.progress?.(fraction, 3, 'Copying the database'),
        });
        void actor.progress?.(2, 3, 'Recording the backup');
        const done = written;
        const row = await this.transactions.run(async (manager) => {
          const row = this.rowOf(id, done, trigger, createdAt, actor.principal?.userId ?? null);
          await manager.getRepository(BackupEntity).insert(row);
          await this.audit.record(
            actor,
            {
              action: 'backup.create',
              targetType: 'backup',
              targetId: id,
              details: {
                filename: done.filename,
                size_bytes: done.sizeBytes,
                encrypted: row.encrypted,
                trigger,
              },
            },
            manager,
          );
          return row;
        });
        status('finished', { backupId: id, filename: row.filename, sizeBytes: row.sizeBytes });
        void actor.progress?.(3, 3, 'Backup written');
        return toBackupView(row);
      } catch (error) {
        if (written) await this.files.removeQuietly(this.files.pathOf(written.filename));
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error(`Backup ${id} failed: ${message}`);
        status('failed', { backupId: id, error: 'The backup could not be written.' });
        await this.audit
          .recordOutcome(actor, 'backup.create', { type: 'backup', id }, false, {
            trigger,
            error: message,
          })
          .catch(() => undefined);
        if (error instanceof DomainError) throw error;
        throw new DomainError('INTERNAL', 'The backup could not be written; see the server log.');
      }
    });
  }

  private rowOf(
    id: string,
    written: WrittenBackup,
    trigger: BackupTrigger,
    createdAt: string,
    createdBy: string | null,
  ): BackupEntity {
    return {
      id,
      filename: written.filename,
      sizeBytes: written.sizeBytes,
      sha256: written.manifest.database.sha256,
      encrypted: written.manifest.encrypted,
      includesKey: written.manifest.encryption_key !== null,
      trigger,
      note: written.manifest.note,
      appVersion: written.manifest.app_version,
      schemaVersion: written.manifest.schema_version,
      createdAt,
      createdBy,
    };
  }

  async delete(actor: Actor, input: BackupIdDto): Promise<{ success: true }> {
    await this.busy.runExclusive(async () => {
      const row = await this.find(input.backup_id);
      await this.transactions.run(async (manager) => {
        await manager.getRepository(BackupEntity).delete({ id: row.id });
        await this.audit.record(
          actor,
          {
            action: 'backup.delete',
            targetType: 'backup',
            targetId: row.id,
            details: { filename: row.filename, trigger: row.trigger },
          },
          manager,
        );
      });
      await this.files.removeQuietly(this.files.pathOf(row.filename));
      await syncDirectory(this.files.directory);
    });
    return { success: true };
  }

  /** Deletes backups (files and rows) of the given ids; used by the schedule and retention. */
  async deleteMany(ids: string[], reason: string): Promise<number> {
    if (!ids.length) return 0;
    return this.busy.runExclusive(async () => {
      const rows = await this.rows.findBy({ id: In(ids) });
      await this.transactions.run(async (manager) => {
        await manager.getRepository(BackupEntity).delete({ id: In(rows.map((row) => row.id)) });
        for (const row of rows) {
          await this.audit.record(
            SYSTEM_ACTOR,
            {
              action: 'backup.delete',
              targetType: 'backup',
              targetId: row.id,
              details: { filename: row.filename, trigger: row.trigger, reason },
            },
            manager,
          );
        }
      });
      for (const row of rows) await this.files.removeQuietly(this.files.pathOf(row.filename));
      return rows.length;
    });
  }

  /** The file of a backup, for the download route. */
  async openDownload(
    input: BackupIdDto,
  ): Promise<{ stream: ReadStream; filename: string; sizeBytes: number }> {
    const row = await this.find(input.backup_id);
    const path = this.files.pathOf(row.filename);
    const { size } = await stat(path).catch(() => {
      throw new DomainError('NOT_FOUND', `The file of backup ${row.id} is missing.`);
    });
    return { stream: createReadStream(path), filename: row.filename, sizeBytes: size };
  }

  /**
   * Stores an uploaded backup: the raw body is streamed to a work file (at most
   * MAX_UPLOAD_BYTES), validated (container, manifest, checksum of an unencrypted backup), and
   * kept under a generated name with trigger `upload`.
   */
  async upload(
    actor: Actor,
    body: Readable,
    contentType: string | undefined,
    contentLength: number | null,
  ): Promise<BackupView> {
    if (!/^application\/octet-stream\s*(;|$)/i.test(contentType ?? '')) {
      throw new DomainError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the backup file as the raw body with Content-Type: application/octet-stream.',
      );
    }
    const tooLarge = () =>
      new DomainError(
        'PAYLOAD_TOO_LARGE',
        `A backup upload may be at most ${MAX_UPLOAD_BYTES} bytes.`,
      );
    if (contentLength !== null && contentLength > MAX_UPLOAD_BYTES) throw tooLarge();
    this.files.ensureDirectory();
    const temp = this.files.tempPath('.upload');
    try {
      let received = 0;
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            received += chunk.length;
            callback(received > MAX_UPLOAD_BYTES ? tooLarge() : null, chunk);
          },
        }),
        createWriteStream(temp, { flags: 'wx', mode: 0o600 }),
      );
      const info = await readArchive(temp);
      await verifyArchive(temp, info);
      const id = randomUUID();
      const createdAt = nowIso();
      const filename = this.files.newFileName('upload', id, createdAt);
      await rename(temp, this.files.pathOf(filename));
      await syncDirectory(this.files.directory);
      const written: WrittenBackup = {
        filename,
        sizeBytes: info.fileBytes,
        manifest: info.manifest,
      };
      const row = this.rowOf(id, written, 'upload', createdAt, actor.principal?.userId ?? null);
      try {
        await this.transactions.run(async (manager) => {
          await manager.getRepository(BackupEntity).insert(row);
          await this.audit.record(
            actor,
            {
              action: 'backup.upload',
              targetType: 'backup',
              targetId: id,
              details: {
                filename,
                size_bytes: row.sizeBytes,
                encrypted: row.encrypted,
                schema_version: row.schemaVersion,
              },
            },
            manager,
          );
        });
      } catch (error) {
        await this.files.removeQuietly(this.files.pathOf(filename));
        throw error;
      }
      return toBackupView(row);
    } catch (error) {
      body.resume();
      await this.audit
        .recordOutcome(actor, 'backup.upload', { type: 'backup', id: 'upload' }, false, {
          error: error instanceof Error ? error.message : String(error),
        })
        .catch(() => undefined);
      throw asDomainError(error);
    } finally {
      await this.files.removeQuietly(temp);
    }
  }

  /**
   * Replaces the database with a backup, without a restart. Verifies the file, the passphrase,
   * the checksum and the database's integrity, refuses a newer schema or sealed data this
   * installation cannot open, keeps a pre-restore copy, swaps atomically, and records the
   * pre-restore copy and the restore in the restored database.
   */
  restore(actor: Actor, input: RestoreBackupDto): Promise<RestoreResult> {
    return this.busy.runExclusive(async () => {
      const row = await this.find(input.backup_id);
      const path = this.files.pathOf(row.filename);
      await stat(path).catch(() => {
        throw new DomainError('NOT_FOUND', `The file of backup ${row.id} is missing.`);
      });
      const extracted = this.files.restorePath();
      const preId = randomUUID();
      const preCreatedAt = nowIso();
      let prepared: PreparedRestore;
      let preWritten: WrittenBackup | null = null;
      try {
        void actor.progress?.(0, 4, 'Verifying the backup');
        const info = await readArchive(path);
        this.restorer.checkSchema(info.manifest.schema_version);
        const keys = await extractDatabase(path, info, extracted, input.passphrase);
        void actor.progress?.(1, 4, 'Checking and preparing the database');
        prepared = await this.restorer.prepare(extracted, info, keys.key, keys.auditKey);
        void actor.progress?.(2, 4, 'Saving the current database and swapping');
        await this.restorer.swap(prepared, async () => {
          preWritten = await this.writer.write({
            id: preId,
            trigger: 'pre-restore',
            createdAt: preCreatedAt,
            note: `Before restoring ${row.filename}`,
            passphrase: null,
            writersHeldOut: true,
          });
        });
      } catch (error) {
        if (this.restorer.dropPendingAuditKey(extracted)) await this.files.removeQuietly(extracted);
        if (preWritten) {
          await this.files.removeQuietly(this.files.pathOf((preWritten as WrittenBackup).filename));
        }
        const mapped = asDomainError(error);
        await this.audit
          .recordOutcome(actor, 'backup.restore', { type: 'backup', id: row.id }, false, {
            filename: row.filename,
            error: mapped instanceof Error ? mapped.message : String(mapped),
          })
          .catch(() => undefined);
        throw mapped;
      }
      const pre = preWritten as WrittenBackup | null;
      if (!pre) throw new Error('the pre-restore copy was not written');
      // The process now serves the restored database: record the history there.
      void actor.progress?.(3, 4, 'Recording the restore');
      const userId = actor.principal?.userId ?? null;
      const preRow = await this.transactions.run(async (manager) => {
        const creatorExists =
          userId !== null && (await manager.getRepository(UserEntity).existsBy({ id: userId }));
        const preRow = this.rowOf(
          preId,
          pre,
          'pre-restore',
          preCreatedAt,
          creatorExists ? userId : null,
        );
        await manager.getRepository(BackupEntity).insert(preRow);
        await this.reconcile(manager);
        await this.audit.record(
          actor,
          {
            action: 'backup.restore',
            targetType: 'backup',
            targetId: row.id,
            details: {
              filename: row.filename,
              pre_restore_backup_id: preId,
              schema_version: prepared.schemaVersion,
              migrated: prepared.migrated,
              resealed: prepared.resealed,
              sessions_revoked: prepared.sessionsRevoked,
              // The id (never the key) of a backup's audit key taken over by this restore.
              adopted_audit_key_id: prepared.auditKey ? auditKeyId(prepared.auditKey) : null,
            },
          },
          manager,
        );
        return preRow;
      });
      this.events.emit('backup.restored', { backupId: row.id, preRestoreFile: pre.filename });
      void actor.progress?.(4, 4, 'Restored');
      return {
        restored_backup_id: row.id,
        pre_restore_backup: toBackupView(preRow),
        schema_version: prepared.schemaVersion,
        migrated: prepared.migrated,
        resealed: prepared.resealed,
        sessions_revoked: prepared.sessionsRevoked,
      };
    });
  }

  /**
   * Makes the rows match the files: a file the database does not list (written after the
   * restored backup was taken, or before a crash) gets its row back under the id in its name;
   * a row whose file is gone is removed.
   */
  private async reconcile(manager: EntityManager): Promise<void> {
    const repository = manager.getRepository(BackupEntity);
    const rows = await repository.find({ select: { id: true, filename: true } });
    const names = new Set(await this.files.listFileNames());
    const listed = new Set(rows.map((row) => row.filename));
    for (const row of rows) {
      if (names.has(row.filename)) continue;
      await repository.delete({ id: row.id });
      await this.audit.record(
        SYSTEM_ACTOR,
        {
          action: 'backup.forget',
          targetType: 'backup',
          targetId: row.id,
          details: { filename: row.filename, reason: 'file missing' },
        },
        manager,
      );
    }
    for (const filename of names) {
      if (listed.has(filename)) continue;
      const parsed = BackupFiles.parseFileName(filename);
      if (!parsed || (await repository.existsBy({ id: parsed.id }))) continue;
      try {
        const info = await readArchive(this.files.pathOf(filename));
        const written = { filename, sizeBytes: info.fileBytes, manifest: info.manifest };
        await repository.insert(
          this.rowOf(parsed.id, written, parsed.trigger, parsed.createdAt, null),
        );
        await this.audit.record(
          SYSTEM_ACTOR,
          {
            action: 'backup.adopt',
            targetType: 'backup',
            targetId: parsed.id,
            details: { filename, trigger: parsed.trigger },
          },
          manager,
        );
      } catch (error) {
        this.logger.warn(`Ignoring ${filename}: ${(error as Error).message}`);
      }
    }
  }

  private async find(id: string): Promise<BackupEntity> {
    const row = await this.rows.findOneBy({ id });
    if (!row) throw notFound('Backup', id);
    return row;
  }

  /** Backups by trigger, newest first (the schedule's keep-N). */
  async idsByTrigger(trigger: BackupTrigger): Promise<{ id: string; createdAt: string }[]> {
    return this.rows.find({
      select: { id: true, createdAt: true },
      where: { trigger },
      order: { createdAt: 'DESC' },
    });
  }
}
