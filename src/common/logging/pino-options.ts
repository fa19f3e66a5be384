import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { redactSecrets, redactText } from '../security/redact';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Uses the caller's X-Request-Id when it is well-formed, else a new UUID; echoes it back. */
export function requestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Structured JSON logs (pino): one line per event, so CR/LF in any value is escaped and cannot
 * forge a line; every object is passed through `redactSecrets` before it is written.
 */
export function pinoOptions(level: string): Params {
  return {
    pinoHttp: {
      level,
      genReqId: requestId,
      customProps: () => ({ interface: 'http' }),
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
      },
      hooks: {
        logMethod(args: unknown[], method: (...a: unknown[]) => void) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)),
          );
        },
      },
      autoLogging: {
        ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/health/ready',
      },
    },
  };
}
