import type { Request } from 'express';
import type { Actor, Interface, Principal } from '../auth/principal';

/** Query parameters under which clients sometimes send tokens; Tomo refuses them. */
const TOKEN_QUERY_PARAMETERS = ['token', 'access_token', 'jwt', 'api_key', 'apikey', 'auth'];

/** pino-http sets `req.id`; the access guard sets `req.principal`. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal | null;
}

/** The bearer credential of the Authorization header; tokens are never read from the URL. */
export function bearerFrom(request: Request): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

export function hasTokenInQuery(request: Request): boolean {
  // Express parses the query string again on every read of request.query; most have none.
  if (!request.url.includes('?')) return false;
  const query = request.query as Record<string, unknown>;
  return TOKEN_QUERY_PARAMETERS.some((name) => query[name] !== undefined);
}

function clip(value: string | undefined, max: number): string | null {
  return value ? value.slice(0, max) : null;
}

export function actorFrom(request: AuthenticatedRequest, via: Interface): Actor {
  return {
    principal: request.principal ?? null,
    interface: via,
    // Read from the request when used (audit, sessions, rate limit), while it is served:
    // Express derives request.ip anew on each access (trust-proxy rules, X-Forwarded-For),
    // and most operations never read it.
    get ip() {
      return request.ip ?? null;
    },
    userAgent: clip(request.headers['user-agent'], 512),
    requestId: requestIdOf(request),
  };
}

/** The id pino-http gave the request (echoed in X-Request-Id). */
export function requestIdOf(request: Request): string | null {
  const id: unknown = request.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}
