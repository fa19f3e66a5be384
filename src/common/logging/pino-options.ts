import type { Params } from 'nestjs-pino';
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

/**
 * Structured JSON logs (pino): one line per event, so CR/LF in any value is escaped and cannot
 * forge a line; every object is passed through `redactSecrets` before it is written.
 *
 * nestjs-pino builds the root logger from these options (through pino-http's factory) but does
 * not mount its per-request middleware (`forRoutes: []`): `requestLogging` gives requests their
 * ids and completion lines, and the `mixin` names the request on lines logged while serving it.
 */
export function pinoOptions(level: string): Params {
  return {
    forRoutes: [],
    pinoHttp: {
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
    },
  };
}
