import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { METRIC_UNITS, MetricName, MetricReading } from './metric-names';
import { MetricSampleEntity } from './metric-sample.entity';
import { MetricSampleWriter } from './metric-sample-writer';

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
}
