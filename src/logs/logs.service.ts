import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository, SelectQueryBuilder } from 'typeorm';
import type { Page } from '../common/dto/pagination.dto';
import { LOG_LEVELS, LogEntryEntity } from './log-entry.entity';
import { LogsBySourceDto, QueryLogsDto } from './dto/query-logs.dto';
import { LogEntryView, toLogEntryView } from './logs.views';

const DEFAULT_LIMIT = 100;
/** The trigram index answers searches of three characters or more. */
const INDEXED_SEARCH_LENGTH = 3;

/** Reads the persisted application log (written by LogWriter). */
@Injectable()
export class LogsService {
  constructor(
    @InjectRepository(LogEntryEntity) private readonly entries: Repository<LogEntryEntity>,
  ) {}

  /** Events newest first, filtered by lowest level, source, message text and time. */
  async query(filter: QueryLogsDto): Promise<Page<LogEntryView>> {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    const offset = filter.offset ?? 0;
    const { search, ...others } = filter;
    const onlySearch = Object.entries(others).every(
      ([key, value]) => value === undefined || key === 'limit' || key === 'offset',
    );
    if (search && onlySearch && this.indexedSearch(search)) {
      return this.searchOnly(search, limit, offset);
    }
    const query = this.entries.createQueryBuilder('log');
    if (filter.level && filter.level !== 'info') {
      const levels = LOG_LEVELS.slice(LOG_LEVELS.indexOf(filter.level));
      query.andWhere('log.level IN (:...levels)', { levels });
    }
    if (filter.source) query.andWhere('log.source = :source', { source: filter.source });
    if (filter.search) this.whereMessageContains(query, filter.search);
    if (filter.since) {
      query.andWhere('log.timestamp >= :since', { since: new Date(filter.since).toISOString() });
    }
    if (filter.until) {
      query.andWhere('log.timestamp <= :until', { until: new Date(filter.until).toISOString() });
    }
    return this.page(query, limit, offset);
  }

  /** The newest events of one source. */
  bySource(dto: LogsBySourceDto): Promise<Page<LogEntryView>> {
    const query = this.entries
      .createQueryBuilder('log')
      .where('log.source = :source', { source: dto.source });
    return this.page(query, dto.limit ?? DEFAULT_LIMIT, 0);
  }

  private async page(
    query: SelectQueryBuilder<LogEntryEntity>,
    limit: number,
    offset: number,
  ): Promise<Page<LogEntryView>> {
    const counted = await query.clone().select('COUNT(*)', 'total').getRawOne<{ total: number }>();
    const rows = await query.orderBy('log.id', 'DESC').limit(limit).offset(offset).getMany();
    return { items: rows.map(toLogEntryView), total: Number(counted?.total ?? 0) };
  }

  /** Whether the trigram index (SQLite's logs_fts) can answer this search. */
  private indexedSearch(search: string): boolean {
    return (
      this.entries.manager.connection.options.type === 'better-sqlite3' &&
      [...search].length >= INDEXED_SEARCH_LENGTH
    );
  }

  /**
   * A search and nothing else, answered by the trigram index alone (count and page of ids, in
   * id order), then the page's rows by id: no lookup of every matching row.
   */
  private async searchOnly(
    search: string,
    limit: number,
    offset: number,
  ): Promise<Page<LogEntryView>> {
    const phrase = ftsPhrase(search);
    const manager = this.entries.manager;
    const [counted] = await manager.query<{ total: number }[]>(
      'SELECT COUNT(*) AS total FROM logs_fts WHERE logs_fts MATCH ?',
      [phrase],
    );
    const ids = (
      await manager.query<{ id: number }[]>(
        'SELECT rowid AS id FROM logs_fts WHERE logs_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?',
        [phrase, limit, offset],
      )
    ).map((row) => row.id);
    const rows = ids.length
      ? await this.entries.find({ where: { id: In(ids) }, order: { id: 'DESC' } })
      : [];
    return { items: rows.map(toLogEntryView), total: Number(counted?.total ?? 0) };
  }

  /**
   * Case-insensitive substring match. On SQLite a search of three characters or more goes
   * through the FTS5 trigram index (logs_fts): a quoted phrase there matches exactly the
   * messages that contain the text. Shorter searches, and other databases, use LIKE.
   */
  private whereMessageContains(query: SelectQueryBuilder<LogEntryEntity>, search: string): void {
    if (this.indexedSearch(search)) {
      query.andWhere('log.id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH :phrase)', {
        phrase: ftsPhrase(search),
      });
      return;
    }
    query.andWhere("LOWER(log.message) LIKE :pattern ESCAPE '\\'", {
      pattern: `%${search.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`,
    });
  }
}

/** The search as one FTS5 phrase: with the trigram tokenizer, "messages containing this text". */
function ftsPhrase(search: string): string {
  return `"${search.replace(/"/g, '""')}"`;
}
