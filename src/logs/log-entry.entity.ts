import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The levels a persisted log event can have, lowest first (pino's info, warn, error, fatal). */
export const LOG_LEVELS = ['info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * One application log event (level info or above). `source` is the logger's context (the class
 * or area that logged it, e.g. "AgentGateway"); `context` is the rest of the event, redacted,
 * as JSON. The indexes serve query_logs: newest first by source, by level, both, and by time;
 * the message is searched through the `logs_fts` trigram index on SQLite (see the migration).
 */
@Entity('logs')
@Index('idx_logs_timestamp', ['timestamp'])
@Index('idx_logs_level', ['level'])
@Index('idx_logs_source', ['source'])
@Index('idx_logs_source_level', ['source', 'level'])
export class LogEntryEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column('varchar', { length: 30 })
  timestamp!: string;

  @Column('varchar', { length: 8 })
  level!: LogLevel;

  @Column('varchar', { length: 128 })
  source!: string;

  @Column('text')
  message!: string;

  /** JSON object of the event's other fields, secrets redacted; null when it had none. */
  @Column('text', { nullable: true })
  context!: string | null;

  /** The request being served when the event was logged. */
  @Column('varchar', { name: 'request_id', length: 64, nullable: true })
  requestId!: string | null;
}
