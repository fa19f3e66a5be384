import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { METRIC_NAMES, METRIC_UNITS, MetricName, MetricReading } from './metric-names';
import { MetricHourEntity } from './metric-hour.entity';
import { HOUR_MS } from './metric-rollup';
import { MetricSampleEntity } from './metric-sample.entity';
import { MetricSampleWriter } from './metric-sample-writer';
import { bucketCount, MAX_POINTS, Resolution } from './resolution';

export interface MetricPoint {
  /** ISO-8601 UTC. */
  t: string;
  value: number;
}

export interface MetricSeries {
  metric: MetricName;
  unit: (typeof METRIC_UNITS)[MetricName];
  points: MetricPoint[];
}

/** A point of a downsampled series: the bucket's start, average, lowest and highest value. */
export interface BucketPoint extends MetricPoint {
  min: number;
  max: number;
}

export interface DownsampledSeries {
  metric: MetricName;
  unit: (typeof METRIC_UNITS)[MetricName];
  points: BucketPoint[];
}

/** The newest sample of each series of a server. */
export type LatestReading = Partial<Record<MetricName, { t: string; value: number }>>;

interface BucketRow {
  metric: MetricName;
  t: number | string;
  samples: number | string;
  sum: number | string;
  min: number | string;
  max: number | string;
}

/** An agent reporting faster than this (a bug, or a flood) has the extra samples dropped. */
const MIN_SAMPLE_SPACING_MS = 1000;

/** Metric samples of servers: recorded in batches, read back as time series. */
@Injectable()
export class MetricsService {
  private readonly lastSampleAt = new Map<string, number>();

  constructor(
    @InjectRepository(MetricSampleEntity) private readonly samples: Repository<MetricSampleEntity>,
    private readonly writer: MetricSampleWriter,
  ) {}

  /** Queues one reading of a server; it reaches the database with the next flush (≤ 1 s). */
  record(serverId: string, reading: MetricReading, sampledAtMs = Date.now()): void {
    const last = this.lastSampleAt.get(serverId);
    // Both ways: a clock stepped back must not silence a server until it catches up.
    if (last !== undefined && Math.abs(sampledAtMs - last) < MIN_SAMPLE_SPACING_MS) return;
    this.lastSampleAt.set(serverId, sampledAtMs);
    this.writer.add(serverId, reading, sampledAtMs);
  }

  forgetServer(serverId: string): void {
    this.lastSampleAt.delete(serverId);
    this.writer.discardServer(serverId);
  }

  /** The samples of one series of a server with since ≤ t ≤ until, oldest first. */
  async series(
    serverId: string,
    metric: MetricName,
    since: Date,
    until: Date,
  ): Promise<MetricSeries> {
    const rows = await this.samples
      .createQueryBuilder('sample')
      .select(['sample.sampledAtMs', 'sample.value'])
      .where('sample.serverId = :serverId AND sample.metric = :metric', { serverId, metric })
      .andWhere('sample.sampledAtMs BETWEEN :since AND :until', {
        since: since.getTime(),
        until: until.getTime(),
      })
      .orderBy('sample.sampledAtMs', 'ASC')
      .getMany();
    return {
      metric,
      unit: METRIC_UNITS[metric],
      points: rows.map((row) => ({ t: new Date(row.sampledAtMs).toISOString(), value: row.value })),
    };
  }

  /**
   * One series of a server over [sinceMs, untilMs] at a resolution. Buckets are aligned on
   * multiples of the step since the epoch (an hour starts on the hour, a day at 00:00 UTC);
   * each point is a bucket's start with the average (`value`), lowest and highest sample in
   * it, computed by the database (GROUP BY). Empty buckets are absent: a gap stays a gap.
   * `raw` returns the samples as stored (min = max = value). More than MAX_POINTS points is
   * refused with VALIDATION_FAILED rather than cut short silently.
   */
  async downsample(
    serverId: string,
    metric: MetricName,
    sinceMs: number,
    untilMs: number,
    resolution: Resolution,
  ): Promise<DownsampledSeries> {
    const [series] = await this.downsampleMany(serverId, [metric], sinceMs, untilMs, resolution);
    return series!;
  }

  /** downsample() for several series of a server at once, in the order given. */
  async downsampleMany(
    serverId: string,
    metrics: MetricName[],
    sinceMs: number,
    untilMs: number,
    resolution: Resolution,
  ): Promise<DownsampledSeries[]> {
    const points = new Map<MetricName, BucketPoint[]>();
    if (resolution.kind === 'raw') {
      for (const metric of metrics) {
        points.set(metric, await this.rawPoints(serverId, metric, sinceMs, untilMs));
      }
    } else {
      const buckets = await this.bucketPoints(
        { serverId, metrics, step: resolution.seconds * 1000 },
        sinceMs,
        untilMs,
      );
      for (const metric of metrics) points.set(metric, toPoints(buckets.get(metric) ?? []));
    }
    return metrics.map((metric) => ({
      metric,
      unit: METRIC_UNITS[metric],
      points: points.get(metric) ?? [],
    }));
  }

  /**
   * The newest reading of each server (servers without samples are absent). The six series of
   * a reading share its time, so the newest cpu_percent key finds it: one short primary-key
   * walk per server instead of a scan of its history.
   */
  async latest(serverIds: string[]): Promise<Map<string, LatestReading>> {
    const result = new Map<string, LatestReading>();
    for (const serverId of serverIds) {
      const rows = await this.samples
        .createQueryBuilder('sample')
        .select('sample.metric', 'metric')
        .addSelect('sample.sampledAtMs', 't')
        .addSelect('sample.value', 'value')
        .where('sample.serverId = :serverId AND sample.metric IN (:...metrics)', {
          serverId,
          metrics: METRIC_NAMES,
        })
        .andWhere(
          `sample.sampledAtMs = (SELECT MAX(newest.sampled_at_ms) FROM metrics newest
            WHERE newest.server_id = :serverId AND newest.metric = 'cpu_percent')`,
        )
        .getRawMany<{ metric: MetricName; t: number | string; value: number | string }>();
      if (rows.length === 0) continue;
      const reading: LatestReading = {};
      for (const row of rows) {
        reading[row.metric] = {
          t: new Date(Number(row.t)).toISOString(),
          value: Number(row.value),
        };
      }
      result.set(serverId, reading);
    }
    return result;
  }

  private async rawPoints(
    serverId: string,
    metric: MetricName,
    sinceMs: number,
    untilMs: number,
  ): Promise<BucketPoint[]> {
    const rows = await this.samples
      .createQueryBuilder('sample')
      .select(['sample.sampledAtMs', 'sample.value'])
      .where('sample.serverId = :serverId AND sample.metric = :metric', { serverId, metric })
      .andWhere('sample.sampledAtMs BETWEEN :since AND :until', { since: sinceMs, until: untilMs })
      .orderBy('sample.sampledAtMs', 'ASC')
      .limit(MAX_POINTS + 1)
      .getMany();
    if (rows.length > MAX_POINTS) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `More than ${MAX_POINTS} raw samples of ${metric} in that range (the cap per series); narrow since/until or ask for a resolution such as 5m.`,
      );
    }
    return rows.map((row) => ({
      t: new Date(row.sampledAtMs).toISOString(),
      value: row.value,
      min: row.value,
      max: row.value,
    }));
  }

  private async bucketPoints(
    series: SeriesQuery,
    sinceMs: number,
    untilMs: number,
  ): Promise<Map<MetricName, Bucket[]>> {
    const { step } = series;
    const buckets = bucketCount(sinceMs, untilMs, step / 1000);
    if (buckets > MAX_POINTS) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `That range at a ${step / 1000} s resolution is ${buckets} points, more than the cap of ${MAX_POINTS} per series; narrow since/until or choose a coarser resolution.`,
      );
    }
    // Whole hours inside the range that are rolled up come from metrics_hourly; the partial
    // hours at both ends and the hours not rolled up yet come from the samples themselves.
    const rolledUntil = step % HOUR_MS === 0 ? await this.rolledUntil() : null;
    const firstHour = Math.ceil(sinceMs / HOUR_MS) * HOUR_MS;
    const endHour = Math.min(rolledUntil ?? 0, Math.floor((untilMs + 1) / HOUR_MS) * HOUR_MS);
    if (rolledUntil === null || firstHour >= endHour) {
      // One series at a time: the database groups each in a smaller temporary tree.
      const parts: Bucket[] = [];
      for (const metric of series.metrics) {
        parts.push(
          ...(await this.sampleBuckets({ ...series, metrics: [metric] }, sinceMs, untilMs)),
        );
      }
      return byMetric(parts);
    }
    const parts = await this.hourBuckets(series, firstHour, endHour);
    if (sinceMs < firstHour)
      parts.push(...(await this.sampleBuckets(series, sinceMs, firstHour - 1)));
    if (endHour <= untilMs) parts.push(...(await this.sampleBuckets(series, endHour, untilMs)));
    return byMetric(parts);
  }

  /** Samples with since ≤ t ≤ until, grouped by the database into buckets of `step` ms. */
  private async sampleBuckets(
    series: SeriesQuery,
    sinceMs: number,
    untilMs: number,
  ): Promise<Bucket[]> {
    const { serverId, metrics, step } = series;
    // An integer literal, not a parameter: SQLite binds JS numbers as REAL, and a REAL divisor
    // would turn the integer division that finds the bucket into a fraction.
    const rows = await this.samples
      .createQueryBuilder('sample')
      .select('sample.metric', 'metric')
      .addSelect(`(sample.sampledAtMs / ${step}) * ${step}`, 't')
      .addSelect('COUNT(*)', 'samples')
      .addSelect('SUM(sample.value)', 'sum')
      .addSelect('MIN(sample.value)', 'min')
      .addSelect('MAX(sample.value)', 'max')
      .where('sample.serverId = :serverId AND sample.metric IN (:...metrics)', {
        serverId,
        metrics,
      })
      .andWhere('sample.sampledAtMs BETWEEN :since AND :until', { since: sinceMs, until: untilMs })
      .groupBy('sample.metric')
      .addGroupBy('t')
      .getRawMany<BucketRow>();
    return rows.map(toBucket);
  }

  /**
   * Rolled-up hours with first ≤ hour < end, each as a part of the bucket of `step` ms it falls
   * in (byMetric adds the parts up). Read in key order without GROUP BY: grouping a few
   * thousand rows in the database would sort them all again.
   */
  private async hourBuckets(
    series: SeriesQuery,
    firstHour: number,
    endHour: number,
  ): Promise<Bucket[]> {
    const { serverId, metrics, step } = series;
    const rows = await this.samples.manager
      .getRepository(MetricHourEntity)
      .createQueryBuilder('hour')
      .select('hour.metric', 'metric')
      .addSelect('hour.bucketMs', 't')
      .addSelect('hour.samples', 'samples')
      .addSelect('hour.sum', 'sum')
      .addSelect('hour.min', 'min')
      .addSelect('hour.max', 'max')
      .where('hour.serverId = :serverId AND hour.metric IN (:...metrics)', { serverId, metrics })
      .andWhere('hour.bucketMs >= :first AND hour.bucketMs < :end', {
        first: firstHour,
        end: endHour,
      })
      .getRawMany<BucketRow>();
    return rows.map((row) => {
      const bucket = toBucket(row);
      bucket.t = Math.floor(bucket.t / step) * step;
      return bucket;
    });
  }

  /** Start of the first hour not rolled up yet (every earlier hour is); null when none is. */
  private async rolledUntil(): Promise<number | null> {
    const [row] = await this.samples.manager.query<{ newest: number | string | null }[]>(
      'SELECT MAX(bucket_ms) AS newest FROM metrics_hourly',
    );
    return row?.newest === null || row?.newest === undefined ? null : Number(row.newest) + HOUR_MS;
  }
}

interface SeriesQuery {
  serverId: string;
  metrics: MetricName[];
  /** Bucket width in milliseconds. */
  step: number;
}

interface Bucket {
  metric: MetricName;
  t: number;
  samples: number;
  sum: number;
  min: number;
  max: number;
}

function toBucket(row: BucketRow): Bucket {
  return {
    metric: row.metric,
    t: Number(row.t),
    samples: Number(row.samples),
    sum: Number(row.sum),
    min: Number(row.min),
    max: Number(row.max),
  };
}

/**
 * Buckets by series, oldest first; parts of the same bucket (an edge hour read from the samples
 * and the rolled-up hours of the same day) become one.
 */
function byMetric(buckets: Bucket[]): Map<MetricName, Bucket[]> {
  const merged = new Map<string, Bucket>();
  for (const bucket of buckets) {
    const key = `${bucket.metric} ${bucket.t}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? {
            ...seen,
            samples: seen.samples + bucket.samples,
            sum: seen.sum + bucket.sum,
            min: Math.min(seen.min, bucket.min),
            max: Math.max(seen.max, bucket.max),
          }
        : bucket,
    );
  }
  const result = new Map<MetricName, Bucket[]>();
  for (const bucket of [...merged.values()].sort((a, b) => a.t - b.t)) {
    const list = result.get(bucket.metric);
    if (list) list.push(bucket);
    else result.set(bucket.metric, [bucket]);
  }
  return result;
}

function toPoints(buckets: Bucket[]): BucketPoint[] {
  return buckets.map((bucket) => ({
    t: new Date(bucket.t).toISOString(),
    value: bucket.sum / bucket.samples,
    min: bucket.min,
    max: bucket.max,
  }));
}
