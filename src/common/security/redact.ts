import { EventEmitter } from 'node:events';

/** What stands in for a secret in logs, audit rows and error details. */
export const REDACTED = '[REDACTED]';

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY =
  /pass(word|phrase|wd)?|pwd|secret|token|authorization|cookie|credential|private[-_]?key|api[-_]?key|encryption[-_]?key|audit[-_]?key|^key$|signature|(^|[-_])otp$|(^|[-_])hash$|Hash$/i;
/** Keys that name or describe a secret without holding it (token_id, token_type, expires_at…). */
const DESCRIPTIVE_KEY =
  /((^|[-_])(id|ids|type|at|count|prefix|name|only|days|hint|length|policy|url)|[a-z0-9](Id|Ids|Type|At|Count|Prefix|Name|Only|Days|Hint|Length|Policy|Url))$/;

/** Secrets recognisable inside free text. */
const SECRET_IN_TEXT: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\btomo_[A-Za-z0-9_-]{16,}/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /((?:password|passwd|secret|token)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !DESCRIPTIVE_KEY.test(key);
}

export function redactText(text: string): string {
  let result = text;
  for (const pattern of SECRET_IN_TEXT) {
    result = result.replace(pattern, (match: string, ...groups: unknown[]) => {
      const lead = groups[0];
      if (/^(Bearer|Basic)$/i.test(String(lead))) return `${String(lead)} ${REDACTED}`;
      if (typeof lead === 'string' && /[=:]\s*$/.test(lead)) return `${lead}${REDACTED}`;
      return REDACTED;
    });
  }
  return result;
}

/**
 * A copy of `value` with every secret replaced: values under secret-looking keys, and
 * tokens, JWTs, private keys and `password=` pairs inside strings. Cycles and depth are bounded.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12 || seen.has(value)) return '[…]';
  seen.add(value);
  if (Buffer.isBuffer(value)) return REDACTED;
  // Streams, sockets, requests and responses: the logger's serializers pick safe fields from
  // them (method, redacted URL, status); walking them would cost more than the request itself.
  if (value instanceof EventEmitter) return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack ? redactText(value.stack) : undefined,
    };
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    result[key] =
      isSecretKey(key) && item !== null && item !== undefined && typeof item !== 'boolean'
        ? REDACTED
        : redactSecrets(item, depth + 1, seen);
  }
  return result;
}
