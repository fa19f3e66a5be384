import { posix } from 'node:path';

/** Limits on what a plan may carry, after substitutions and overrides. */
export const LIMITS = {
  /** An input value (the caller's, a kept one or a default). */
  inputValue: 4096,
  envName: 128,
  envValue: 8192,
  envPerService: 200,
  /** One argument of a command, entrypoint or healthcheck test. */
  argument: 8192,
  labelValue: 4096,
  path: 1024,
  /** Keys of one `config` section. */
  configKeys: 256,
} as const;

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** CR, LF or NUL: never in a value that may reach an env file, a label or a command line. */
export const LINE_BREAK_OR_NUL = /[\r\n\0]/;

export type PlainObject = Record<string, unknown>;

/** A JSON-like object: not null, not an array (its own enumerable keys are what count). */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property even for keys like `__proto__`, which plain assignment would not add. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The own value of `key`, never one inherited from a prototype. */
export function ownValue(object: PlainObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** `config.inputs` + `ADMIN_PASSWORD` → `config.inputs.ADMIN_PASSWORD`; other keys in brackets. */
export function keyPath(base: string, key: string): string {
  const shown = key.length > 100 ? `${key.slice(0, 100)}…` : key;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(shown)
    ? `${base}.${shown}`
    : `${base}[${JSON.stringify(shown)}]`;
}

/**
 * Why an absolute path cannot be a mount source or target, or null. Refuses `..` segments rather
 * than resolving them, control characters, and the `:` and `,` that separate the parts of Docker's
 * `src:dst:mode` and `--mount` syntaxes.
 */
export function pathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'must be an absolute path';
  if (path.length > LIMITS.path) return `must be at most ${LIMITS.path} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\0-\x1f\x7f]/.test(path)) return 'must not contain control characters';
  if (/[:,\\]/.test(path)) return 'must not contain ":", "," or "\\"';
  if (path.split('/').includes('..')) return 'must not contain ".." segments';
  return null;
}

/** `//a/./b/` → `/a/b` (for paths `pathProblem` accepted). */
export function normalizePath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** True when `path` is `base` or lies below it; both normalised. */
export function isAtOrBelow(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}
