import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { sqliteDataSourceOptions } from '../../database/data-source-options';
import { TransactionRunner } from '../../database/transaction-runner';
import { MetricReading } from './metric-names';
import { MetricSampleEntity } from './metric-sample.entity';
import { MetricSampleWriter } from './metric-sample-writer';
import { MetricsService } from './metrics.service';

const SERVER_A = '11111111-1111-4111-8111-111111111111';
const SERVER_B = '22222222-2222-4222-8222-222222222222';
const T0 = Date.parse('2026-01-02T03:00:00.000Z');

const reading = (n: number): MetricReading => ({
  cpu_percent: n,
  memory_percent: n + 1,
  disk_percent: n + 2,
  load_1: n / 100,
  net_rx_bytes: n * 1000,
  net_tx_bytes: n * 10,
});

/** Medium tier: the real schema (migrations applied) in a SQLite file of its own. */
describe('MetricsService', () => {
  let directory: string;
  let dataSource: DataSource;
  let writer: MetricSampleWriter;
  let metrics: MetricsService;

  const addServer = (id: string) =>
    dataSource.query(
      `INSERT INTO servers (id, name, hostname, port, username, auth_type, credential, status, created_at, updated_at)
       VALUES (?, ?, ?, 22, 'root', 'password', 'sealed', 'online', ?, ?)`,
      [
        id,
        `server-${id.slice(0, 4)}`,
        `${id.slice(0, 4)}.example`,
        new Date(T0).toISOString(),
        new Date(T0).toISOString(),
      ],
    );
  const count = async (serverId?: string): Promise<number> => {
    const [row] = await dataSource.query<{ n: number }[]>(
      serverId === undefined
        ? 'SELECT COUNT(*) AS n FROM metrics'
        : 'SELECT COUNT(*) AS n FROM metrics WHERE server_id = ?',
      serverId === undefined ? [] : [serverId],
    );
    return Number(row?.n);
  };

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-metrics-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await addServer(SERVER_A);
    await addServer(SERVER_B);
    writer = new MetricSampleWriter(new TransactionRunner(dataSource));
    metrics = new MetricsService(dataSource.getRepository(MetricSampleEntity), writer);
  });

  afterEach(async () => {
    await writer.onModuleDestroy();
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('returns one series of a server within the range, oldest first, with its unit', async () => {
    for (const [serverId, offset] of [
      [SERVER_A, 60_000],
      [SERVER_A, 0],
      [SERVER_B, 30_000],
      [SERVER_A, 30_000],
      [SERVER_A, 90_000],
    ] as const) {
      metrics.record(serverId, reading(offset / 1000), T0 + offset);
    }
    await writer.flush();

    const series = await metrics.series(
      SERVER_A,
      'cpu_percent',
      new Date(T0 + 30_000),
      new Date(T0 + 60_000),
    );
    expect(series).toEqual({
      metric: 'cpu_percent',
      unit: 'percent',
      points: [
        { t: '2026-01-02T03:00:30.000Z', value: 30 },
        { t: '2026-01-02T03:01:00.000Z', value: 60 },
      ],
    });
    const rx = await metrics.series(SERVER_A, 'net_rx_bytes', new Date(T0), new Date(T0 + 90_000));
    expect(rx.unit).toBe('bytes');
    expect(rx.points.map((p) => p.value)).toEqual([0, 30_000, 60_000, 90_000]);
    expect(
      (await metrics.series(SERVER_B, 'load_1', new Date(T0), new Date(T0 + 1e6))).points,
    ).toEqual([{ t: '2026-01-02T03:00:30.000Z', value: 0.3 }]);
  });

  it('writes a sample as one row per series, in the flush after it was recorded', async () => {
    metrics.record(SERVER_A, reading(1), T0);
    expect(await count()).toBe(0);
    await writer.flush();
    const rows = await dataSource.query<{ metric: string; sampled_at_ms: number; value: number }[]>(
      'SELECT metric, sampled_at_ms, value FROM metrics ORDER BY metric',
    );
    expect(rows).toEqual([
      { metric: 'cpu_percent', sampled_at_ms: T0, value: 1 },
      { metric: 'disk_percent', sampled_at_ms: T0, value: 3 },
      { metric: 'load_1', sampled_at_ms: T0, value: 0.01 },
      { metric: 'memory_percent', sampled_at_ms: T0, value: 2 },
      { metric: 'net_rx_bytes', sampled_at_ms: T0, value: 1000 },
      { metric: 'net_tx_bytes', sampled_at_ms: T0, value: 10 },
    ]);
  });

  it('drops samples of one server that come faster than one a second', async () => {
    metrics.record(SERVER_A, reading(1), T0);
    metrics.record(SERVER_A, reading(2), T0 + 10);
    metrics.record(SERVER_A, reading(3), T0 + 999);
    metrics.record(SERVER_B, reading(4), T0 + 10);
    metrics.record(SERVER_A, reading(5), T0 + 1000);
    await writer.flush();
    const cpu = await metrics.series(SERVER_A, 'cpu_percent', new Date(T0), new Date(T0 + 1000));
    expect(cpu.points.map((p) => p.value)).toEqual([1, 5]);
    expect(await count(SERVER_B)).toBe(6);
  });

  it('flushes on its own once enough rows are buffered, and on module destroy', async () => {
    for (let i = 0; i < 200; i++) metrics.record(SERVER_A, reading(i % 100), T0 + i * 1000);
    // 200 samples are 1,200 rows: the threshold starts a write without waiting for the timer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await count()).toBe(1200);
    metrics.record(SERVER_B, reading(1), T0);
    await writer.onModuleDestroy();
    expect(await count(SERVER_B)).toBe(6);
    metrics.record(SERVER_B, reading(2), T0 + 5000);
    await writer.flush();
    expect(await count(SERVER_B)).toBe(6); // closed: nothing more is buffered
  });

  it('a server deleted while its samples waited costs the other servers nothing', async () => {
    metrics.record(SERVER_A, reading(1), T0);
    metrics.record(SERVER_B, reading(2), T0);
    await dataSource.query('DELETE FROM servers WHERE id = ?', [SERVER_B]);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await writer.flush();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { error: expect.stringMatching(/FOREIGN KEY/), rows: 6 },
      'could not store metric samples; dropped',
    );
    warn.mockRestore();
    expect(await count(SERVER_A)).toBe(6);
    expect(await count(SERVER_B)).toBe(0);
  });

  it('forgets the buffered samples of a removed server', async () => {
    metrics.record(SERVER_A, reading(1), T0);
    metrics.record(SERVER_B, reading(2), T0);
    metrics.forgetServer(SERVER_B);
    await writer.flush();
    expect(await count()).toBe(6);
    expect(await count(SERVER_A)).toBe(6);
  });

  it('deleting a server deletes its samples (foreign key cascade)', async () => {
    metrics.record(SERVER_A, reading(1), T0);
    metrics.record(SERVER_B, reading(2), T0);
    await writer.flush();
    await dataSource.query('DELETE FROM servers WHERE id = ?', [SERVER_A]);
    expect(await count(SERVER_A)).toBe(0);
    expect(await count(SERVER_B)).toBe(6);
  });

  it('stores the rows in key order (WITHOUT ROWID) with an index on time for retention', async () => {
    const [table] = await dataSource.query<{ sql: string }[]>(
      "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'metrics'",
    );
    expect(table?.sql).toMatch(/PRIMARY KEY \("server_id", "metric", "sampled_at_ms"\)/);
    expect(table?.sql).toMatch(/WITHOUT ROWID/);
    const plan = await dataSource.query<{ detail: string }[]>(
      'EXPLAIN QUERY PLAN DELETE FROM metrics WHERE sampled_at_ms < ?',
      [T0],
    );
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/idx_metrics_sampled_at/);
  });
});
