import { redactSecrets, redactText } from '../common/security/redact';
import { LogEntryEntity, LogLevel } from './log-entry.entity';

export type LogRow = Omit<LogEntryEntity, 'id'>;

const LEVEL_NAMES: Record<number, LogLevel> = { 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Longest stored message and context (characters); the rest is cut with a mark. */
export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_CONTEXT_LENGTH = 8000;
const MAX_SOURCE_LENGTH = 128;
/** Where an event without a logger context comes from. */
const DEFAULT_SOURCE = 'app';
/**
 * Nest's own start-up chatter (one line per module and per route at every start): stdout only.
 * Warnings and errors of these sources are kept.
 */
const UNPERSISTED_INFO_SOURCES = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
]);
/** Fields of every pino line that are columns, or noise, rather than context. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'context', 'req', 'interface']);

/**
 * Cheap test, before any parsing, for the per-request access lines of request-logging.ts
 * ("request completed" / "request errored", with res and responseTime): they are not persisted.
 * pino writes `msg` last, so they end with it.
 */
export function isAccessLine(line: string): boolean {
  const end = line.trimEnd();
  return (
    (end.endsWith('"msg":"request completed"}') || end.endsWith('"msg":"request errored"}')) &&
    end.includes('"responseTime":')
  );
}

/**
 * The row of one pino JSON line, or null when it is not an application event to persist (below
 * info, an access line, Nest's start-up chatter, not JSON). Everything is redacted again: the
 * logger already did, but this row outlives the line.
 */
export function toLogRow(line: string): LogRow | null {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return null;
  }
  if (!record || typeof record !== 'object' || Array.isArray(record)) return null;
  const fields = record as Record<string, unknown>;
  const level = typeof fields.level === 'number' ? LEVEL_NAMES[fields.level] : undefined;
  if (!level) return null;
  if ('res' in fields && 'responseTime' in fields) return null;
  const source =
    typeof fields.context === 'string' && fields.context !== ''
      ? fields.context.slice(0, MAX_SOURCE_LENGTH)
      : DEFAULT_SOURCE;
  if (level === 'info' && UNPERSISTED_INFO_SOURCES.has(source)) return null;
  const time = typeof fields.time === 'number' ? new Date(fields.time) : new Date();
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!OMITTED.has(key)) context[key] = value;
  }
  const request = fields.req as { id?: unknown } | undefined;
  const requestId =
    request && (typeof request.id === 'string' || typeof request.id === 'number')
      ? String(request.id).slice(0, 64)
      : null;
  return {
    timestamp: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString(),
    level,
    source,
    message: cut(redactText(messageOf(fields.msg)), MAX_MESSAGE_LENGTH),
    context: contextJson(context),
    requestId,
  };
}

function messageOf(msg: unknown): string {
  if (typeof msg === 'string') return msg;
  if (msg === undefined || msg === null) return '';
  return JSON.stringify(msg);
}

function contextJson(context: Record<string, unknown>): string | null {
  if (Object.keys(context).length === 0) return null;
  const json = JSON.stringify(redactSecrets(context));
  if (json.length <= MAX_CONTEXT_LENGTH) return json;
  return JSON.stringify({ truncated: true, preview: json.slice(0, MAX_CONTEXT_LENGTH - 100) });
}

function cut(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
