import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { open, readdir, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { BackupTrigger } from './backup.entity';

/**
 * `tomo-backup-20261125T140000Z-manual-<backup id>.tomobak`: made by Tomo, never by a caller.
 * The name carries the row's id, trigger and time, so a file the database does not list (after
 * a restore, or a crash) is registered again under the same id.
 */
const FILE_NAME =
  /^tomo-backup-(\d{8}T\d{6}Z)-(manual|schedule|upload|pre-restore)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.tomobak$/;
/** Work files: a backup being written or uploaded, a database being prepared for a restore. */
const TEMP_PREFIX = '.tmp-';
const RESTORE_PREFIX = '.restore-';

/**
 * Where backups live: `<data directory>/backups/` (0700), files 0600. Temporary files start
 * with a dot and are removed at startup (a crash can leave one behind).
 */
@Injectable()
export class BackupFiles {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get directory(): string {
    return join(this.config.dataDirectory, 'backups');
  }

  ensureDirectory(): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    chmodSync(this.directory, 0o700);
  }

  newFileName(trigger: BackupTrigger, id: string, createdAt: string): string {
    const stamp = createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return `tomo-backup-${stamp}-${trigger}-${id}.tomobak`;
  }

  /** The path of a backup file, for a name Tomo generated (anything else is refused). */
  pathOf(filename: string): string {
    if (!FILE_NAME.test(filename) || basename(filename) !== filename) {
      throw new Error(`not a backup file name: ${filename}`);
    }
    return join(this.directory, filename);
  }

  /** What a generated file name says: the row's id, trigger and creation time. */
  static parseFileName(
    filename: string,
  ): { id: string; trigger: BackupTrigger; createdAt: string } | null {
    const match = FILE_NAME.exec(filename);
    if (!match?.[1] || !match[2] || !match[3]) return null;
    const s = match[1];
    const createdAt = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.000Z`;
    return { id: match[3], trigger: match[2] as BackupTrigger, createdAt };
  }

  /** A fresh temporary path in the backups directory (same file system as the final name). */
  tempPath(suffix: string): string {
    return join(this.directory, `${TEMP_PREFIX}${randomUUID()}${suffix}`);
  }

  /** A fresh temporary path beside the database (same file system, so rename is atomic). */
  restorePath(): string {
    return join(dirname(this.config.databasePath), `${RESTORE_PREFIX}${randomUUID()}.db`);
  }

  /** Backup file names present in the directory. */
  async listFileNames(): Promise<string[]> {
    return (await readdir(this.directory)).filter((name) => FILE_NAME.test(name));
  }

  /** Removes what a crash left: temporary backups, uploads, and prepared restore databases. */
  async removeLeftovers(): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.directory)) {
      if (name.startsWith(TEMP_PREFIX)) removed.push(join(this.directory, name));
    }
    const databaseDirectory = dirname(this.config.databasePath);
    for (const name of await readdir(databaseDirectory)) {
      if (name.startsWith(RESTORE_PREFIX)) removed.push(join(databaseDirectory, name));
    }
    for (const path of removed) await rm(path, { force: true });
    return removed;
  }

  async removeQuietly(...paths: string[]): Promise<void> {
    for (const path of paths) {
      for (const suffix of ['', '-wal', '-shm', '-journal']) {
        await unlink(path + suffix).catch(() => undefined);
      }
    }
  }
}

/** fsyncs a directory, so that a rename or unlink in it survives a power loss. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
