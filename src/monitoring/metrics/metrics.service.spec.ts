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
import { MetricRollup } from './metric-rollup';
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

/** Downsampling on synthetic data, in the real schema (migrations applied) of a SQLite file. */
describe('MetricsService.downsample', () => {
  let directory: string;
  let dataSource: DataSource;
  let writer: MetricSampleWriter;
  let metrics: MetricsService;
  const HOUR = 3_600_000;
  /** A whole hour, so that hour buckets start on it. */
  const H0 = Date.parse('2026-03-01T00:00:00.000Z');

  const insert = async (samples: [number, number][], metric = 'cpu_percent') => {
    for (const [at, value] of samples) {
      await dataSource.query(
        'INSERT INTO metrics (server_id, metric, sampled_at_ms, value) VALUES (?, ?, ?, ?)',
        [SERVER_A, metric, at, value],
      );
    }
  };

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-downsample-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query(
      `INSERT INTO servers (id, name, hostname, port, username, auth_type, credential, status, created_at, updated_at)
       VALUES (?, 'a', 'a.example', 22, 'root', 'password', 'sealed', 'online', ?, ?)`,
      [SERVER_A, new Date(H0).toISOString(), new Date(H0).toISOString()],
    );
    writer = new MetricSampleWriter(new TransactionRunner(dataSource));
    metrics = new MetricsService(dataSource.getRepository(MetricSampleEntity), writer);
  });

  afterEach(async () => {
    await writer.onModuleDestroy();
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('gives each bucket its start, average, min and max; a sample on a boundary opens the next', async () => {
    await insert([
      [H0, 10],
      [H0 + 20 * 60_000, 30],
      [H0 + HOUR - 1, 50],
      [H0 + HOUR, 7], // exactly on the boundary: the second bucket
      [H0 + HOUR + 30_000, 9],
    ]);
    const series = await metrics.downsample(SERVER_A, 'cpu_percent', H0, H0 + 2 * HOUR, {
      kind: 'bucket',
      seconds: 3600,
    });
    expect(series).toEqual({
      metric: 'cpu_percent',
      unit: 'percent',
      points: [
        { t: '2026-03-01T00:00:00.000Z', value: 30, min: 10, max: 50 },
        { t: '2026-03-01T01:00:00.000Z', value: 8, min: 7, max: 9 },
      ],
    });
  });

  it('leaves empty buckets out (a gap stays a gap) and keeps other series apart', async () => {
    await insert([
      [H0 + 5 * 60_000, 1],
      [H0 + 3 * HOUR + 5 * 60_000, 3],
    ]);
    await insert([[H0 + HOUR, 99]], 'memory_percent');
    const series = await metrics.downsample(SERVER_A, 'cpu_percent', H0, H0 + 4 * HOUR, {
      kind: 'bucket',
      seconds: 3600,
    });
    expect(series.points.map((p) => [p.t, p.value])).toEqual([
      ['2026-03-01T00:00:00.000Z', 1],
      ['2026-03-01T03:00:00.000Z', 3],
    ]);
  });

  it('aligns buckets on the epoch, not on since, and keeps only samples within the range', async () => {
    await insert([
      [H0 + 10 * 60_000, 100], // before since: excluded
      [H0 + 20 * 60_000, 20],
      [H0 + 50 * 60_000, 40],
      [H0 + 70 * 60_000, 60], // after until: excluded
    ]);
    const since = H0 + 15 * 60_000;
    const until = H0 + 60 * 60_000;
    const series = await metrics.downsample(SERVER_A, 'cpu_percent', since, until, {
      kind: 'bucket',
      seconds: 1800,
    });
    expect(series.points).toEqual([
      { t: '2026-03-01T00:00:00.000Z', value: 20, min: 20, max: 20 },
      { t: '2026-03-01T00:30:00.000Z', value: 40, min: 40, max: 40 },
    ]);
  });

  it('averages exactly over many samples (three days of 30 s samples to days)', async () => {
    const rows: [number, number][] = [];
    for (let at = H0; at < H0 + 3 * 24 * HOUR; at += 30_000) rows.push([at, (at / 30_000) % 2]);
    await dataSource.transaction(async (manager) => {
      for (const [at, value] of rows) {
        await manager.query(
          'INSERT INTO metrics (server_id, metric, sampled_at_ms, value) VALUES (?, ?, ?, ?)',
          [SERVER_A, 'load_1', at, value],
        );
      }
    });
    const series = await metrics.downsample(SERVER_A, 'load_1', H0, H0 + 3 * 24 * HOUR - 1, {
      kind: 'bucket',
      seconds: 86_400,
    });
    expect(series.unit).toBe('load');
    expect(series.points).toEqual([
      { t: '2026-03-01T00:00:00.000Z', value: 0.5, min: 0, max: 1 },
      { t: '2026-03-02T00:00:00.000Z', value: 0.5, min: 0, max: 1 },
      { t: '2026-03-03T00:00:00.000Z', value: 0.5, min: 0, max: 1 },
    ]);
  });

  it('returns raw samples as stored, with min = max = value', async () => {
    await insert([
      [H0, 1.5],
      [H0 + 30_000, 2.5],
    ]);
    const series = await metrics.downsample(SERVER_A, 'cpu_percent', H0, H0 + HOUR, {
      kind: 'raw',
    });
    expect(series.points).toEqual([
      { t: '2026-03-01T00:00:00.000Z', value: 1.5, min: 1.5, max: 1.5 },
      { t: '2026-03-01T00:00:30.000Z', value: 2.5, min: 2.5, max: 2.5 },
    ]);
  });

  it('refuses more points than the cap, naming it, instead of cutting the series short', async () => {
    await expect(
      metrics.downsample(SERVER_A, 'cpu_percent', H0, H0 + 30 * 24 * HOUR, {
        kind: 'bucket',
        seconds: 60,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/2000/) });
    const rows: [number, number][] = [];
    for (let i = 0; i <= 2000; i++) rows.push([H0 + i * 1000, i]);
    await dataSource.transaction(async (manager) => {
      for (const [at, value] of rows) {
        await manager.query(
          'INSERT INTO metrics (server_id, metric, sampled_at_ms, value) VALUES (?, ?, ?, ?)',
          [SERVER_A, 'cpu_percent', at, value],
        );
      }
    });
    await expect(
      metrics.downsample(SERVER_A, 'cpu_percent', H0, H0 + HOUR, { kind: 'raw' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/2000/) });
  });

  it('finds the newest reading of each server; a server without samples is absent', async () => {
    for (const metric of ['cpu_percent', 'memory_percent', 'disk_percent']) {
      await insert(
        [
          [H0, 1],
          [H0 + 30_000, 2],
        ],
        metric,
      );
    }
    const latest = await metrics.latest([SERVER_A, SERVER_B]);
    expect([...latest.keys()]).toEqual([SERVER_A]);
    expect(latest.get(SERVER_A)).toEqual({
      cpu_percent: { t: '2026-03-01T00:00:30.000Z', value: 2 },
      memory_percent: { t: '2026-03-01T00:00:30.000Z', value: 2 },
      disk_percent: { t: '2026-03-01T00:00:30.000Z', value: 2 },
    });
  });
});

/** Hourly roll-ups change how get_metrics reads, never what it answers. */
describe('MetricsService.downsample with hourly roll-ups', () => {
  let directory: string;
  let dataSource: DataSource;
  let writer: MetricSampleWriter;
  let metrics: MetricsService;
  let rollup: MetricRollup;
  const HOUR = 3_600_000;
  const H0 = Date.parse('2026-03-01T00:00:00.000Z');
  const DAYS = 3;

  const downsample = (since: number, until: number, seconds: number) =>
    metrics.downsample(SERVER_A, 'cpu_percent', since, until, { kind: 'bucket', seconds });
  const hours = async () =>
    Number(
      (await dataSource.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM metrics_hourly'))[0]!.n,
    );

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-rollup-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    for (const id of [SERVER_A, SERVER_B]) {
      await dataSource.query(
        `INSERT INTO servers (id, name, hostname, port, username, auth_type, credential, status, created_at, updated_at)
         VALUES (?, ?, ?, 22, 'root', 'password', 'sealed', 'online', ?, ?)`,
        [id, id, `${id}.example`, new Date(H0).toISOString(), new Date(H0).toISOString()],
      );
    }
    // Three days of irregular samples (a gap on day two), values with fractions and spikes.
    await dataSource.transaction(async (manager) => {
      for (let at = H0 + 7_000; at < H0 + DAYS * 24 * HOUR; at += 45_000) {
        if (at > H0 + 30 * HOUR && at < H0 + 33 * HOUR) continue;
        const value = ((at / 45_000) % 97) * 1.37 + (at % 11 === 0 ? 400 : 0);
        for (const serverId of [SERVER_A, SERVER_B]) {
          await manager.query(
            'INSERT INTO metrics (server_id, metric, sampled_at_ms, value) VALUES (?, ?, ?, ?)',
            [serverId, 'cpu_percent', at, serverId === SERVER_A ? value : value + 1],
          );
        }
      }
    });
    writer = new MetricSampleWriter(new TransactionRunner(dataSource));
    metrics = new MetricsService(dataSource.getRepository(MetricSampleEntity), writer);
    rollup = new MetricRollup(dataSource, new TransactionRunner(dataSource));
  });

  afterEach(async () => {
    await writer.onModuleDestroy();
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('rolls up finished hours only, in order, and answers exactly as from the samples', async () => {
    const ranges: [number, number, number][] = [
      [H0, H0 + DAYS * 24 * HOUR, 3600],
      [H0 + 17 * 60_000, H0 + 50 * HOUR + 123_456, 3600],
      [H0 + 5 * HOUR + 1, H0 + 70 * HOUR - 1, 6 * 3600],
      [H0, H0 + DAYS * 24 * HOUR - 1, 86_400],
      [H0 + 29 * HOUR, H0 + 34 * HOUR, 7200],
    ];
    const fromSamples: Awaited<ReturnType<typeof downsample>>[] = [];
    for (const [since, until, step] of ranges)
      fromSamples.push(await downsample(since, until, step));

    // "Now" is 40 h 15 min in: the hours before 40:00 are over, their grace period too.
    await rollup.runOnce(H0 + 40 * HOUR + 15 * 60_000);
    expect(await rollup.rolledUntil()).toBe(H0 + 40 * HOUR);
    expect(await hours()).toBe(2 * (40 - 3)); // two servers, 40 hours less the 3 empty ones
    for (const [i, [since, until, step]] of ranges.entries()) {
      const rolled = await downsample(since, until, step);
      expect(rolled.points.length).toBe(fromSamples[i]!.points.length);
      rolled.points.forEach((point, j) => {
        const expected = fromSamples[i]!.points[j]!;
        expect(point.t).toBe(expected.t);
        expect(point.min).toBe(expected.min);
        expect(point.max).toBe(expected.max);
        expect(point.value).toBeCloseTo(expected.value, 9);
      });
    }

    // Several series in one call: each gets its own points, in the order asked.
    await dataSource.query(
      'INSERT INTO metrics (server_id, metric, sampled_at_ms, value) VALUES (?, ?, ?, ?), (?, ?, ?, ?)',
      [SERVER_A, 'load_1', H0 + 10 * HOUR, 2, SERVER_A, 'load_1', H0 + 10 * HOUR + 60_000, 4],
    );
    await dataSource.query('DELETE FROM metrics_hourly WHERE bucket_ms >= ?', [H0 + 10 * HOUR]);
    await rollup.runOnce(H0 + 40 * HOUR + 15 * 60_000);
    const many = await metrics.downsampleMany(
      SERVER_A,
      ['load_1', 'memory_percent', 'cpu_percent'],
      ranges[0]![0],
      ranges[0]![1],
      { kind: 'bucket', seconds: 3600 },
    );
    expect(many.map((m) => m.metric)).toEqual(['load_1', 'memory_percent', 'cpu_percent']);
    expect(many[0]!.points).toEqual([{ t: '2026-03-01T10:00:00.000Z', value: 3, min: 2, max: 4 }]);
    expect(many[1]!.points).toEqual([]);
    expect(many[2]!.points.map((p) => p.t)).toEqual(fromSamples[0]!.points.map((p) => p.t));

    // A later pass continues where the last stopped; nothing is rolled up twice.
    await rollup.runOnce(H0 + DAYS * 24 * HOUR + HOUR);
    expect(await hours()).toBe(2 * (DAYS * 24 - 3) + 1);
    await rollup.runOnce(H0 + DAYS * 24 * HOUR + HOUR);
    expect(await hours()).toBe(2 * (DAYS * 24 - 3) + 1);
    const all = await downsample(H0, H0 + DAYS * 24 * HOUR, 86_400);
    expect(all.points.map((p) => p.value)).toEqual(
      fromSamples[3]!.points.map((p) => expect.closeTo(p.value, 9)),
    );
  });

  it('drops roll-ups older than the oldest sample left, and those of a deleted server', async () => {
    await rollup.runOnce(H0 + DAYS * 24 * HOUR + HOUR);
    await dataSource.query('DELETE FROM metrics WHERE sampled_at_ms < ?', [H0 + 24 * HOUR]);
    await rollup.runOnce(H0 + DAYS * 24 * HOUR + HOUR);
    const [oldest] = await dataSource.query<{ t: number }[]>(
      'SELECT MIN(bucket_ms) AS t FROM metrics_hourly',
    );
    expect(oldest!.t).toBe(H0 + 24 * HOUR);
    await dataSource.query('DELETE FROM servers WHERE id = ?', [SERVER_B]);
    expect(await hours()).toBe((2 * (DAYS * 24 - 3)) / 2 - 24);
  });
});
