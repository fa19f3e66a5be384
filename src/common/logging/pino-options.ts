import type { Params } from 'nestjs-pino';
import { destination, DestinationStream, multistream } from 'pino';
import type { Options } from 'pino-http';
import { REDACTED, redactSecrets, redactText } from '../security/redact';
import { requestLogFields } from './request-logging';

/**
 * pino applies formatters to the root logger only; child-logger bindings go through its
 * `redact` paths instead, so the usual secret keys are listed here down to three levels.
 */
const SECRET_BINDING_KEYS = [
  'password',
  'new_password',
  'current_password',
  'passphrase',
  'token',
  'authorization',
  'secret',
  'credential',
  'private_key',
  'api_key',
  'cookie',
];
const REDACT_PATHS = ['', '*.', '*.*.'].flatMap((prefix) =>
  SECRET_BINDING_KEYS.map((key) => prefix + key),
);
const LINE_SEPARATORS = /[\u2028\u2029]/g;
const escapeSeparator = (char: string): string => (char === '\u2028' ? '\\u2028' : '\\u2029');

/** Receives one serialized log event (a JSON line) of level info or above. */
export type LogLineConsumer = (line: string) => void;

/** Lines kept while no consumer is attached (Tomo's startup, before the logs module is up). */
const PENDING_LINES = 1000;

/**
 * The second destination of the logger: every event at info or above is handed to the attached
 * consumer (the logs module's writer, which persists them). It must not block: a consumer only
 * queues the line. Until a consumer attaches, the first lines wait here.
 */
export class LogTee {
  private readonly consumers: LogLineConsumer[] = [];
  private pending: string[] = [];

  /** Attaches a consumer (the last attached receives the lines); returns its detach function. */
  attach(consumer: LogLineConsumer): () => void {
    this.consumers.push(consumer);
    const waiting = this.pending;
    this.pending = [];
    for (const line of waiting) consumer(line);
    return () => {
      const index = this.consumers.lastIndexOf(consumer);
      if (index >= 0) this.consumers.splice(index, 1);
    };
  }

  write(line: string): void {
    const consumer = this.consumers.at(-1);
    if (consumer) consumer(line);
    else if (this.pending.length < PENDING_LINES) this.pending.push(line);
  }
}

/** The process's tee: nestjs-pino builds one root logger per process, so there is one of these. */
export const LOG_TEE = new LogTee();

/** What pino writes to when no stream is given: stdout, unless something replaced its write. */
function standardOutput(): DestinationStream {
  const prototype = Object.getPrototypeOf(process.stdout) as { write: unknown };
  return process.stdout.write !== prototype.write
    ? process.stdout
    : destination(process.stdout.fd || 1);
}

/**
 * Structured JSON logs (pino): one line per event, so CR/LF in any value is escaped and cannot
 * forge a line; every object is passed through `redactSecrets` before it is written.
 *
 * nestjs-pino builds the root logger from these options (through pino-http's factory) but does
 * not mount its per-request middleware (`forRoutes: []`): `requestLogging` gives requests their
 * ids and completion lines, and the `mixin` names the request on lines logged while serving it.
 *
 * With `persist`, events of level info and above also go to `tee`, whose consumer (the logs
 * module) stores them in the database.
 */
export function pinoOptions(level: string, persist = false, tee: LogTee = LOG_TEE): Params {
  const options = pinoHttpOptions(level);
  if (!persist || level === 'silent') return { forRoutes: [], pinoHttp: options };
  // Each line goes to stdout (at the logger's level) and, from info up, to the tee.
  const streams = multistream([
    { level: 'trace', stream: standardOutput() },
    { level: 'info', stream: { write: (line: string) => tee.write(line) } },
  ]);
  return { forRoutes: [], pinoHttp: [options, streams] };
}

function pinoHttpOptions(level: string): Options {
  return {
    level,
    mixin: requestLogFields,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url ? redactText(req.url) : req.url,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    formatters: {
      log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown>,
      // Child-logger bindings (nestjs-pino's assign) are serialized apart from the log object.
      bindings: (bindings: Record<string, unknown>) =>
        redactSecrets(bindings) as Record<string, unknown>,
    },
    hooks: {
      // Also covers objects interpolated into the message (%o, %j).
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        // The first object is redacted by formatters.log; the rest are message text and
        // values interpolated into it (%o, %j), redacted here.
        method.apply(
          this,
          args.map((arg, index) =>
            index === 0 && typeof arg === 'object' ? arg : redactSecrets(arg),
          ),
        );
      },
      // JSON leaves U+2028/U+2029 unescaped; some readers split lines on them.
      streamWrite: (line: string) => line.replace(LINE_SEPARATORS, escapeSeparator),
    },
  };
}
