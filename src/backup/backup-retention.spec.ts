import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, In } from 'typeorm';
import { sqliteDataSourceOptions } from '../database/data-source-options';
import { RetentionTargets } from '../retention/retention-target';
import { BackupRetention } from './backup-retention';
import { BackupEntity, BackupTrigger } from './backup.entity';
import type { BackupService } from './backup.service';

describe('BackupRetention (real SQLite, migrations applied)', () => {
  let directory: string;
  let dataSource: DataSource;
  let retention: BackupRetention;
  let deletedReasons: string[];

  const row = (id: string, trigger: BackupTrigger, createdAt: string): BackupEntity => ({
    id,
    filename: `tomo-backup-x-${trigger}-${id}.tomobak`,
    sizeBytes: 1,
    sha256: '0'.repeat(64),
    encrypted: false,
    includesKey: false,
    trigger,
    note: null,
    appVersion: '0.1.0',
    schemaVersion: 'X',
    createdAt,
    createdBy: null,
  });

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-backup-retention-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const rows = dataSource.getRepository(BackupEntity);
    await rows.insert([
      row('00000000-0000-4000-8000-000000000001', 'manual', '2026-01-01T00:00:00.000Z'),
      row('00000000-0000-4000-8000-000000000002', 'schedule', '2026-01-02T00:00:00.000Z'),
      row('00000000-0000-4000-8000-000000000003', 'pre-restore', '2026-01-03T00:00:00.000Z'),
      row('00000000-0000-4000-8000-000000000004', 'pre-restore', '2026-01-04T00:00:00.000Z'),
      row('00000000-0000-4000-8000-000000000005', 'upload', '2026-06-01T00:00:00.000Z'),
    ]);
    deletedReasons = [];
    // BackupService.deleteMany removes files and rows; here only the rows (no files exist).
    const backups = {
      deleteMany: async (ids: string[], reason: string) => {
        deletedReasons.push(reason);
        return (await rows.delete({ id: In(ids) })).affected ?? 0;
      },
    } as unknown as BackupService;
    retention = new BackupRetention(rows, backups, new RetentionTargets());
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('counts and deletes what is older than the cutoff, except the newest pre-restore backup', async () => {
    const cutoff = '2026-03-01T00:00:00.000Z';
    expect(await retention.count(cutoff)).toBe(3);
    expect(await retention.deleteBatch(cutoff, 2)).toBe(2);
    expect(await retention.deleteBatch(cutoff, 2)).toBe(1);
    expect(await retention.deleteBatch(cutoff, 2)).toBe(0);
    const left = await dataSource.getRepository(BackupEntity).find({ order: { createdAt: 'ASC' } });
    expect(left.map((b) => [b.trigger, b.createdAt])).toEqual([
      ['pre-restore', '2026-01-04T00:00:00.000Z'],
      ['upload', '2026-06-01T00:00:00.000Z'],
    ]);
    expect(deletedReasons).toEqual(['retention', 'retention', 'retention']);
  });
});
