import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface TableRows {
  table: string;
  rows: number;
  /** True when `rows` is an estimate (tables that grow without bound; see below). */
  estimated: boolean;
}

/** Tables that grow with time: counting them exactly would read every row. */
const ROWID_ESTIMATED = new Set(['logs', 'activity_log', 'audit_log']);
const HOUR_MS = 3_600_000;

/**
 * Row counts per table for get_system_info. Small tables get an exact COUNT(*). The append-only
 * logs get `max(rowid) - min(rowid) + 1` (two index lookups; rows deleted in the middle are
 * still counted, retention deletes from the old end). The metrics table (WITHOUT ROWID, the
 * biggest by far) is estimated from its time index: rows of the last hour times the hours since
 * its oldest sample. Table names come from the entity metadata, never from input.
 */
@Injectable()
export class DatabaseStats {
  constructor(private readonly dataSource: DataSource) {}

  tables(): string[] {
    return [...new Set(this.dataSource.entityMetadatas.map((meta) => meta.tableName))].sort();
  }

  async rowCounts(): Promise<TableRows[]> {
    const counts: TableRows[] = [];
    const sqlite = this.dataSource.options.type === 'better-sqlite3';
    for (const table of this.tables()) {
      if (sqlite && table === 'metrics') {
        counts.push({ table, rows: await this.metricsEstimate(), estimated: true });
      } else if (sqlite && ROWID_ESTIMATED.has(table)) {
        const [row] = await this.dataSource.query<{ span: number | null }[]>(
          `SELECT MAX(rowid) - MIN(rowid) + 1 AS span FROM "${table}"`,
        );
        counts.push({ table, rows: Number(row?.span ?? 0), estimated: true });
      } else {
        const [row] = await this.dataSource.query<{ n: number | string }[]>(
          `SELECT COUNT(*) AS n FROM "${table}"`,
        );
        counts.push({ table, rows: Number(row?.n ?? 0), estimated: false });
      }
    }
    return counts;
  }

  /** Agent versions seen in the agents table, with how many agents run each. */
  async agentVersions(): Promise<{ version: string; agents: number }[]> {
    const rows = await this.dataSource.query<{ version: string | null; n: number | string }[]>(
      'SELECT version, COUNT(*) AS n FROM agents WHERE version IS NOT NULL GROUP BY version ORDER BY version',
    );
    return rows.map((row) => ({ version: String(row.version), agents: Number(row.n) }));
  }

  private async metricsEstimate(): Promise<number> {
    const now = Date.now();
    const [row] = await this.dataSource.query<{ oldest: number | null; recent: number | string }[]>(
      `SELECT (SELECT MIN(sampled_at_ms) FROM metrics) AS oldest,
              (SELECT COUNT(*) FROM metrics WHERE sampled_at_ms >= ?) AS recent`,
      [now - HOUR_MS],
    );
    if (!row || row.oldest === null) return 0;
    const recent = Number(row.recent);
    const hours = Math.max(1, (now - Number(row.oldest)) / HOUR_MS);
    if (recent === 0) {
      // Nothing in the last hour (agents stopped, or old data only): count, it is not growing.
      const [exact] = await this.dataSource.query<{ n: number | string }[]>(
        'SELECT COUNT(*) AS n FROM metrics',
      );
      return Number(exact?.n ?? 0);
    }
    return Math.round(recent * hours);
  }
}
