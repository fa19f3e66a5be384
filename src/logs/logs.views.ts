import {
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import { ActivityEntryEntity } from './activity-entry.entity';
import { LOG_LEVELS, LogEntryEntity } from './log-entry.entity';

export interface LogEntryView {
  id: number;
  timestamp: string;
  level: string;
  source: string;
  message: string;
  context: Record<string, unknown> | null;
}

export const LOG_ENTRY_SCHEMA = objectSchema({
  id: int(),
  timestamp: str('date-time'),
  level: enumOf(LOG_LEVELS),
  source: str(),
  message: str(),
  context: nullable({ type: 'object' }),
});
export const LOG_LIST_SCHEMA = listSchema(LOG_ENTRY_SCHEMA);

export function toLogEntryView(row: LogEntryEntity): LogEntryView {
  return {
    id: row.id,
    timestamp: row.timestamp,
    level: row.level,
    source: row.source,
    message: row.message,
    context: parseObject(row.context),
  };
}

export interface ActivityView {
  id: number;
  timestamp: string;
  event: string;
  summary: string;
  target_type: string | null;
  target_id: string | null;
  actor_id: string | null;
}

export function toActivityView(row: ActivityEntryEntity): ActivityView {
  return {
    id: row.id,
    timestamp: row.timestamp,
    event: row.event,
    summary: row.summary,
    target_type: row.targetType,
    target_id: row.targetId,
    actor_id: row.actorId,
  };
}

function parseObject(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { unparsable: true };
  }
}
