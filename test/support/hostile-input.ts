import fc from 'fast-check';
import { isIP } from 'node:net';
import { isHostnameOrIp } from '../../src/servers/dto/server-fields';
import { parseRepositoryUrl } from '../../src/marketplace/git/repository-url';

/** The subset of JSON Schema the DTOs produce (OpenAPI components and MCP inputSchema). */
export interface PropertySchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  oneOf?: PropertySchema[];
}

export interface ObjectSchema {
  properties?: Record<string, PropertySchema>;
  required?: string[];
}

const TEN_KB = 10 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Field names an attacker tries on top of the declared ones (checklist 20). */
const SUSPICIOUS_KEYS = ['role', 'id', 'passwordHash', 'password_hash', 'is_admin', 'user_id'];
/** Keys that reach Object.prototype; tested on their own (see prototypeKeyArguments). */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Short strings that break naive code: line breaks, NUL, shell, SQL, paths, bidi, templates. */
const NASTY = [
  '',
  ' ',
  'a\r\nInjected: true',
  'x\u0000y',
  '\n',
  '\r',
  "'; DROP TABLE users; --",
  '$(id)',
  '`id`',
  '../../../etc/passwd',
  '-rf',
  '\u202egnp.exe',
  '%00',
  '{{7*7}}${7*7}',
  '<script>alert(1)</script>',
  'admin\u0000',
];

const tenKilobytes = (unit: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  unit.map((s) => s.repeat(Math.ceil(TEN_KB / s.length)).slice(0, TEN_KB));

/** Strings safe to put in a URL without exceeding Node's 16 KiB header limit once encoded. */
export const urlString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  tenKilobytes(fc.constantFrom('a', 'Z9', '-_.')),
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  urlString,
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\r', '\n', '\r\n', '\u0000'))
    .map(([a, b]) => a + b + a),
  tenKilobytes(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 })),
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, -2147483649, 2 ** 53 + 2, 1e308, -1e308, 0.5, 4294967296),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value a hostile client could send in place of a field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ a: { b: { c: { d: { e: { f: 'deep' } } } } } }),
);

/** Values that pass the declared schema, so that other fields get a chance to matter. */
export function plausible(schema: PropertySchema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.oneOf) return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  switch (schema.type ?? '') {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'string':
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.pattern)
        return fc
          .stringMatching(patternOf(schema.pattern))
          .filter((s) => !violates(schema, s, true));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: schema.maxLength ?? 30 });
    default:
      return fc.constant('plausible');
  }
}

const extraKey = (declared: string[]): fc.Arbitrary<string> =>
  fc
    .oneof(fc.constantFrom(...SUSPICIOUS_KEYS), fc.string({ maxLength: 12 }))
    .filter((key) => !declared.includes(key) && !PROTOTYPE_KEYS.includes(key));

/** Builds an object with own properties even for "__proto__". */
function own(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries)
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return object;
}

/**
 * Arguments (or a body) for an operation: each declared property absent, plausible or hostile,
 * plus unknown keys, and now and then no object at all.
 */
export function hostileArguments(schema: ObjectSchema): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const declared = properties.map(([name]) => name);
  const fields = fc.tuple(
    ...properties.map(([name, property]) =>
      fc
        .option(fc.oneof(plausible(property), hostileValue, hostileValue), { nil: undefined })
        .map((value): [string, unknown] => [name, value]),
    ),
  );
  const extras = fc.array(fc.tuple(extraKey(declared), hostileValue), { maxLength: 2 });
  const object = fc
    .tuple(fields, extras)
    .map(([f, e]) => own([...f.filter(([, v]) => v !== undefined), ...e]));
  const notAnObject = fc.oneof(
    fc.array(hostileValue, { maxLength: 2 }),
    fc.constant(null),
    hostileString,
    hostileNumber,
  );
  return fc
    .oneof({ arbitrary: object, weight: 6 }, { arbitrary: notAnObject, weight: 1 })
    .map((value) => confineToLoopback(JSON.parse(JSON.stringify(value)) as unknown));
}

/**
 * Tests reach only loopback: a generated repository `url` with a host becomes a local file:// one,
 * and a generated `hostname` that Tomo would accept and connect to (a
 * name it would look up in DNS, or an address off this machine) becomes 127.0.0.1. Values Tomo
 * refuses stay as they are, so the refusal is still tested.
 */
export function confineToLoopback(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (typeof record.url === 'string' && reachesNetwork(record.url)) {
    record.url = 'file:///nonexistent/catalog.git';
  }
  const hostname = record.hostname;
  if (typeof hostname !== 'string' || !isHostnameOrIp(hostname)) return value;
  const loopback = isIP(hostname) === 4 ? hostname.startsWith('127.') : hostname === '::1';
  if (!loopback) record.hostname = '127.0.0.1';
  return record;
}

/** A repository URL Tomo would accept and resolve or fetch over the network. */
function reachesNetwork(url: string): boolean {
  try {
    return parseRepositoryUrl(url).host !== null;
  } catch {
    return false;
  }
}

/**
 * A schema's `pattern` as the validator reads it: JSON Schema patterns are Unicode-aware
 * (`\p{Cc}` is a character class, not the letters p, C, c), so the `u` flag, unless the pattern
 * is not valid in Unicode mode.
 */
function patternOf(source: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch {
    return new RegExp(source);
  }
}

/** Whether a value certainly breaks a property's rules (coercible numbers count as fine). */
export function violates(schema: PropertySchema, value: unknown, required: boolean): boolean {
  if (value === undefined || value === null) return required;
  if (schema.enum) return !schema.enum.includes(value);
  if (schema.oneOf) return schema.oneOf.every((alternative) => violates(alternative, value, true));
  switch (schema.type ?? '') {
    case 'boolean':
      return typeof value !== 'boolean';
    case 'integer':
    case 'number': {
      const n = typeof value === 'object' && !Array.isArray(value) ? NaN : Number(value);
      if (!Number.isFinite(n) || (schema.type === 'integer' && !Number.isInteger(n))) return true;
      return n < (schema.minimum ?? -Infinity) || n > (schema.maximum ?? Infinity);
    }
    case 'string': {
      if (typeof value !== 'string') return true;
      const lengths = [value.length, [...value].length];
      if (lengths.every((l) => l > (schema.maxLength ?? Infinity))) return true;
      if (lengths.every((l) => l < (schema.minLength ?? 0))) return true;
      if (schema.pattern && !patternOf(schema.pattern).test(value)) return true;
      if (schema.format === 'uuid') return !UUID.test(value);
      if (schema.format === 'email') return !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value);
      if (schema.format === 'date' || schema.format === 'date-time')
        return !/^\d{4}-\d{2}/.test(value);
      return false;
    }
    default:
      return false;
  }
}

/** Whether arguments certainly break an object schema: not an object, unknown key, bad field. */
export function surelyInvalid(schema: ObjectSchema, value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return true;
  const properties = schema.properties ?? {};
  const record = value as Record<string, unknown>;
  if (Object.keys(record).some((key) => !Object.prototype.hasOwnProperty.call(properties, key)))
    return true;
  return Object.entries(properties).some(([name, property]) =>
    violates(property, record[name], schema.required?.includes(name) ?? false),
  );
}
