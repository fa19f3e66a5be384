/**
 * One JSON object per line on stdout, so journald and log shippers need no parser. Secrets never
 * reach it: fields whose names suggest a credential are replaced before serialising, as a second
 * line of defence behind call sites that simply do not pass them.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const SECRET_KEY = /token|password|secret|authorization|(^|_)code$/i;
// `exit_code`, `error_code` and `close_code` are numbers worth logging, not secrets.
const SAFE_KEYS = new Set(['exit_code', 'error_code', 'close_code', 'code_length']);

export function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_KEY.test(key) && !SAFE_KEYS.has(key) ? '[redacted]' : value;
  }
  return out;
}

export function createLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  now: () => Date = () => new Date(),
): Logger {
  const log = (level: LogLevel, event: string, fields: LogFields = {}): void => {
    const record = { time: now().toISOString(), level, event, ...redact(fields) };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: record.time, level, event, note: 'unserialisable fields' });
    }
    write(`${line}\n`);
  };
  return {
    debug: (event, fields) => log('debug', event, fields),
    info: (event, fields) => log('info', event, fields),
    warn: (event, fields) => log('warn', event, fields),
    error: (event, fields) => log('error', event, fields),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function errorMessage(err: unknown): string {
  // Duck-typed: errors from Node's core can come from another realm (Jest's sandbox, vm).
  if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
    return (err as Error).message;
  }
  return String(err);
}
