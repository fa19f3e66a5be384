import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { sqliteDataSourceOptions } from '../database/data-source-options';
import { TransactionRunner } from '../database/transaction-runner';
import { RetentionTargets } from '../retention/retention-target';
import { NotificationEntity } from './entities/notification.entity';
import { NotificationsRetention } from './notifications-retention';

/** Medium test: real SQLite with the migrations applied. */
describe('notifications retention', () => {
  let directory: string;
  let dataSource: DataSource;
  let retention: NotificationsRetention;
  let targets: RetentionTargets;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-notifications-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const now = '2026-01-01T00:00:00.000Z';
    await dataSource.query(
      'INSERT INTO users (id, username, password_hash, role, created_at, updated_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ['u1', 'rita', 'x', 'readonly', now, now, now],
    );
    const rows: NotificationEntity[] = Array.from({ length: 7 }, (_, day) => ({
      id: `00000000-0000-4000-8000-00000000000${day}`,
      userId: 'u1',
      type: 'account.locked',
      severity: 'warning',
      title: 'Account rita locked',
      message: 'locked',
      link: null,
      read: false,
      createdAt: `2026-01-0${day + 1}T12:00:00.000Z`,
    }));
    await dataSource.getRepository(NotificationEntity).insert(rows);
    targets = new RetentionTargets();
    retention = new NotificationsRetention(
      dataSource.getRepository(NotificationEntity),
      new TransactionRunner(dataSource),
      targets,
    );
    retention.onModuleInit();
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('registers as the notifications target and counts what a run deletes', async () => {
    expect(targets.get('notifications')).toBe(retention);
    const cutoff = '2026-01-05T00:00:00.000Z';
    expect(await retention.count(cutoff)).toBe(4);
    let deleted = 0;
    for (let batch; (batch = await retention.deleteBatch(cutoff, 3)) > 0;) {
      expect(batch).toBeLessThanOrEqual(3);
      deleted += batch;
    }
    expect(deleted).toBe(4);
    const left = await dataSource
      .getRepository(NotificationEntity)
      .find({ order: { createdAt: 'ASC' } });
    expect(left.map((row) => row.createdAt)).toEqual([
      '2026-01-05T12:00:00.000Z',
      '2026-01-06T12:00:00.000Z',
      '2026-01-07T12:00:00.000Z',
    ]);
  });

  it('a deleted user takes their notifications along (ON DELETE CASCADE)', async () => {
    await dataSource.query('DELETE FROM users WHERE id = ?', ['u1']);
    expect(await dataSource.getRepository(NotificationEntity).count()).toBe(0);
  });
});
