import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import type { AppConfig } from '../config/app-config';
import { sqliteDataSourceOptions } from '../database/data-source-options';
import { PreparedStatements } from '../database/prepared-statements';
import { TransactionRunner } from '../database/transaction-runner';
import { LogEntryEntity } from '../logs/log-entry.entity';
import type { SettingsService } from '../settings/settings.service';
import { countPurgeable, deletePurgeable } from './retention-batch';
import { RetentionPolicyEntity } from './retention-policy.entity';
import { RetentionScheduler, scheduledRunDue } from './retention-scheduler';
import { RetentionTargets } from './retention-target';
import { RETENTION_BATCH, RetentionService } from './retention.service';

const DAY = 86_400_000;

describe('RetentionService (real SQLite, migrations applied)', () => {
  let directory: string;
  let dataSource: DataSource;
  let transactions: TransactionRunner;
  let targets: RetentionTargets;
  let service: RetentionService;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-retention-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    transactions = new TransactionRunner(dataSource);
    const audit = new AuditService(
      dataSource.getRepository(AuditEntryEntity),
      transactions,
      new PreparedStatements(dataSource),
      { auditKey: randomBytes(32) } as AppConfig,
    );
    const settings = { get: () => 365 } as unknown as SettingsService;
    targets = new RetentionTargets();
    service = new RetentionService(
      dataSource.getRepository(RetentionPolicyEntity),
      targets,
      transactions,
      audit,
      settings,
    );
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  const olderThan = (cutoff: string) => ({
    where: 'purged.timestamp < :cutoff',
    parameters: { cutoff },
  });

  it('deletes in batches, and another writer gets its turn between batches', async () => {
    const rows = 3 * RETENTION_BATCH + 7;
    const old = new Date(Date.now() - 100 * DAY).toISOString();
    await dataSource
      .createQueryBuilder()
      .insert()
      .into(LogEntryEntity)
      .values(
        Array.from({ length: rows }, (_, i) => ({
          timestamp: old,
          level: 'info' as const,
          source: 'Spec',
          message: `old ${i}`,
          context: null,
          requestId: null,
        })),
      )
      .updateEntity(false)
      .execute();
    const batches: number[] = [];
    let batchesWhenOtherWrote = -1;
    targets.register({
      dataType: 'logs',
      count: (cutoff) => countPurgeable(dataSource.manager, LogEntryEntity, olderThan(cutoff)),
      deleteBatch: async (cutoff, limit) => {
        const deleted = await transactions.run((manager) =>
          deletePurgeable(manager, LogEntryEntity, olderThan(cutoff), {
            key: 'id',
            keyColumn: 'id',
            orderBy: 'timestamp',
            limit,
          }),
        );
        batches.push(deleted);
        if (batches.length === 1) {
          // Another writer asks for the database while the run is under way.
          void transactions
            .run((manager) =>
              manager.getRepository(LogEntryEntity).insert({
                timestamp: new Date().toISOString(),
                level: 'info',
                source: 'Other',
                message: 'written during the run',
                context: null,
                requestId: null,
              }),
            )
            .then(() => (batchesWhenOtherWrote = batches.length));
        }
        return deleted;
      },
    });
    const preview = await service.preview({ data_type: 'logs' });
    expect(preview.total_rows).toBe(rows);
    const report = await service.run(SYSTEM_ACTOR, { data_type: 'logs' });
    expect(report.total_rows).toBe(rows);
    expect(batches).toEqual([RETENTION_BATCH, RETENTION_BATCH, RETENTION_BATCH, 7, 0]);
    expect(batchesWhenOtherWrote).toBeGreaterThan(0);
    expect(batchesWhenOtherWrote).toBeLessThan(batches.length);
    expect(await dataSource.getRepository(LogEntryEntity).count()).toBe(1);
  });

  it('runs one at a time: a run asked for during another is refused with CONFLICT', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    targets.register({
      dataType: 'logs',
      count: () => Promise.resolve(1),
      deleteBatch: async () => {
        calls++;
        if (calls > 1) return 0;
        await gate;
        return 1;
      },
    });
    const first = service.run(SYSTEM_ACTOR, {});
    await new Promise((resolve) => setImmediate(resolve));
    await expect(service.run(SYSTEM_ACTOR, {})).rejects.toMatchObject({
      code: 'CONFLICT',
    } satisfies Partial<DomainError>);
    release();
    const report = await first;
    expect(report.items.find((item) => item.data_type === 'logs')?.rows).toBe(1);
    await expect(service.run(SYSTEM_ACTOR, {})).resolves.toMatchObject({ total_rows: 0 });
  });

  it('reports a data type without a registered target with 0 rows', async () => {
    const report = await service.preview({});
    expect(report.items.map((item) => item.data_type).sort()).toEqual(
      [
        'activity',
        'audit',
        'backups',
        'installations',
        'logs',
        'metrics',
        'notifications',
        'sessions',
      ].sort(),
    );
    expect(report.total_rows).toBe(0);
  });

  it('records a failed run in the audit log with what it deleted, and says so', async () => {
    targets.register({
      dataType: 'logs',
      count: () => Promise.resolve(0),
      deleteBatch: () => Promise.reject(new Error('disk I/O error')),
    });
    await expect(service.run(SYSTEM_ACTOR, {})).rejects.toMatchObject({ code: 'INTERNAL' });
    const [entry] = await dataSource
      .getRepository(AuditEntryEntity)
      .find({ where: { action: 'retention.run' } });
    expect(entry).toMatchObject({ result: 'failure', actorType: 'system' });
    expect(JSON.parse(entry!.details!)).toMatchObject({
      failed_data_type: 'logs',
      error: 'disk I/O error',
    });
  });
});

describe('scheduledRunDue', () => {
  const at = (iso: string) => new Date(iso);

  it('is due during the run hour when no run happened since it began', () => {
    expect(scheduledRunDue(at('2026-05-01T02:59:59Z'), 3, null)).toBeNull();
    expect(scheduledRunDue(at('2026-05-01T03:00:00Z'), 3, null)).toEqual(
      at('2026-05-01T03:00:00Z'),
    );
    expect(scheduledRunDue(at('2026-05-01T03:59:00Z'), 3, '2026-04-30T03:00:05.000Z')).toEqual(
      at('2026-05-01T03:00:00Z'),
    );
    // Outside the hour (Tomo was down at 03:00): the day is skipped, not caught up later.
    expect(scheduledRunDue(at('2026-05-01T04:00:00Z'), 3, '2026-04-30T03:00:05.000Z')).toBeNull();
  });

  it('is not due again the same day once a run (any kind) happened after the run hour', () => {
    expect(scheduledRunDue(at('2026-05-01T03:01:00Z'), 3, '2026-05-01T03:00:02.000Z')).toBeNull();
    expect(scheduledRunDue(at('2026-05-01T03:59:00Z'), 3, '2026-05-01T03:30:00.000Z')).toBeNull();
    // A manual run before the hour does not count for the day.
    expect(scheduledRunDue(at('2026-05-01T03:30:00Z'), 3, '2026-05-01T02:00:00.000Z')).toEqual(
      at('2026-05-01T03:00:00Z'),
    );
  });

  it('follows a changed hour', () => {
    expect(scheduledRunDue(at('2026-05-01T10:00:00Z'), 23, null)).toBeNull();
    expect(scheduledRunDue(at('2026-05-01T10:20:00Z'), 10, '2026-04-30T23:00:00.000Z')).toEqual(
      at('2026-05-01T10:00:00Z'),
    );
  });
});

describe('RetentionScheduler.tick', () => {
  function scheduler(settings: Record<string, unknown>, lastRunAt: string | null) {
    const runs: string[] = [];
    const retention = {
      lastRunAt: () => Promise.resolve(lastRunAt),
      run: (_actor: unknown, _dto: unknown, trigger: string) => {
        runs.push(trigger);
        return Promise.resolve({ items: [], total_rows: 0 });
      },
    } as unknown as RetentionService;
    const settingsService = { get: (key: string) => settings[key] } as unknown as SettingsService;
    return { tick: new RetentionScheduler(retention, settingsService), runs };
  }
  const now = new Date('2026-05-01T03:10:00Z');

  it('runs the policies when the day’s run is due, reading the settings at each tick', async () => {
    const settings = { 'retention.schedule_enabled': true, 'retention.run_at_hour': 3 };
    const { tick, runs } = scheduler(settings, '2026-04-30T03:00:01.000Z');
    await expect(tick.tick(now)).resolves.toBe(true);
    expect(runs).toEqual(['schedule']);
    settings['retention.run_at_hour'] = 5;
    await expect(tick.tick(now)).resolves.toBe(false);
  });

  it('does nothing while the schedule is off', async () => {
    const { tick, runs } = scheduler(
      { 'retention.schedule_enabled': false, 'retention.run_at_hour': 3 },
      null,
    );
    await expect(tick.tick(now)).resolves.toBe(false);
    expect(runs).toEqual([]);
  });
});
