import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { sign } from 'jsonwebtoken';
import { REDACTED, redactSecrets } from './redact';

/** Keys a user expects to hold a secret (checklist 41). */
const SECRET_KEYS = [
  'password',
  'Password',
  'PASSWORD',
  'new_password',
  'current_password',
  'newPassword',
  'password_confirmation',
  'passwd',
  'token',
  'access_token',
  'refresh_token',
  'accessToken',
  'authorization',
  'Authorization',
  'passphrase',
  'private_key',
  'privateKey',
  'ssh_private_key',
  'api_key',
  'apiKey',
  'x-api-key',
  'secret',
  'client_secret',
  'credential',
  'credentials',
  'cookie',
  'Cookie',
  'set-cookie',
  'encryption_key',
  'audit_key',
];

/** Keys that describe a secret without holding it: their values stay readable. */
const DESCRIPTIVE_KEYS = [
  'token_id',
  'token_type',
  'expires_at',
  'read_only',
  'token_prefix',
  'password_changed_at',
  'password_min_length',
  'api_key_name',
  'token_count',
];

/** Any string of at least 8 characters: ASCII, full code points (lone surrogates too), graphemes. */
const secretArbitrary = fc.oneof(
  fc.string({ minLength: 8 }),
  fc.string({ minLength: 8, unit: 'binary' }),
  fc.string({ minLength: 8, unit: 'grapheme' }),
);

const json = fc.jsonValue({ maxDepth: 2 });
type Step =
  { key: string; siblings: Record<string, unknown> } | { before: unknown[]; after: unknown[] };
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ key: fc.string(), siblings: fc.dictionary(fc.string(), json, { maxKeys: 3 }) }),
  fc.record({
    before: fc.array(json, { maxLength: 3 }),
    after: fc.array(json, { maxLength: 3 }),
  }),
);

/** Wraps `leaf` in the given path of objects and arrays, outermost step first. */
function nest(path: Step[], leaf: unknown): unknown {
  let value = leaf;
  for (const step of [...path].reverse()) {
    value =
      'key' in step
        ? { ...step.siblings, [step.key]: value }
        : [...step.before, value, ...step.after];
  }
  return value;
}

/** The secret as it would appear in JSON, raw or escaped. */
function leaks(output: string, secret: string): boolean {
  return output.includes(secret) || output.includes(JSON.stringify(secret).slice(1, -1));
}

/** Separators a secret sits between in real text; all are non-word characters. */
const separator = fc.constantFrom(' ', '\n', '\r\n', '\t', '"', "'", '(', ': ', '=', ', ');
const lead = fc.oneof(
  fc.string(),
  fc.constantFrom('', 'Authorization:', 'token:', 'password=', 'error: ', 'sent header', 'key'),
);

/** Checks that every secret part is gone from `text` once `secret` is embedded and redacted. */
function assertRedactedInText(secret: string, parts: string[]) {
  return fc.property(lead, separator, fc.string(), separator, (before, sep1, after, sep2) => {
    const context = before + after;
    fc.pre(parts.every((part) => !context.includes(part)));
    const text = `${before}${sep1}${secret}${sep2}${after}`;
    const output = JSON.stringify(redactSecrets({ message: text, nested: [{ text }] }));
    for (const part of parts) expect(leaks(output, part)).toBe(false);
    expect(output).toContain(REDACTED);
  });
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('redactSecrets', () => {
  it('removes any secret under a secret-looking key at any depth of any JSON object', () => {
    fc.assert(
      fc.property(
        secretArbitrary,
        fc.constantFrom(...SECRET_KEYS),
        fc.dictionary(fc.string(), json, { maxKeys: 3 }),
        fc.array(stepArbitrary, { maxLength: 15 }),
        (secret, key, siblings, path) => {
          const build = (value: string) => nest(path, { ...siblings, [key]: value });
          const expected = build(REDACTED);
          const baseline = JSON.stringify(expected) + JSON.stringify(redactSecrets(expected));
          fc.pre(!leaks(baseline, secret));
          const output = JSON.stringify(redactSecrets(build(secret)));
          expect(leaks(output, secret)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('removes a secret that is a number, an object or an array under a secret key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SECRET_KEYS), secretArbitrary, (key, secret) => {
        fc.pre(!leaks(JSON.stringify(REDACTED), secret));
        for (const value of [{ value: secret }, [secret], { deeper: [{ x: secret }] }]) {
          expect(leaks(JSON.stringify(redactSecrets({ [key]: value })), secret)).toBe(false);
        }
        expect(redactSecrets({ [key]: 123456789 })).toEqual({ [key]: REDACTED });
      }),
    );
  });

  // Form fields that hold a password as much as `password` does.
  it.each(['pwd', 'password_repeat', 'passwordRepeat', 'repeat_password'])(
    'removes a secret under the password field "%s"',
    (key) => {
      expect(redactSecrets({ [key]: 'hunter2-hunter2' })).toEqual({ [key]: REDACTED });
    },
  );

  it('keeps descriptive keys such as token_id, token_type, expires_at and read_only', () => {
    const descriptiveValue = fc.oneof(
      fc.uuid(),
      fc.boolean(),
      fc.integer(),
      fc.constant('Bearer'),
      fc.constant(null),
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
    );
    fc.assert(
      fc.property(fc.constantFrom(...DESCRIPTIVE_KEYS), descriptiveValue, (key, value) => {
        expect(redactSecrets({ [key]: value })).toEqual({ [key]: value });
      }),
    );
    const view = {
      token_id: '6d3f1c2e-7a4b-4c1d-9e2f-0a1b2c3d4e5f',
      token_type: 'Bearer',
      expires_at: '2026-01-02T03:04:05.000Z',
      read_only: true,
    };
    expect(redactSecrets({ ...view, token: 'tomo_secret-value-123456789' })).toEqual({
      ...view,
      token: REDACTED,
    });
  });

  it('redacts Bearer and Basic credentials inside free text', () => {
    const credential = fc.stringMatching(/^[A-Za-z0-9._~+/-]{16,80}={0,2}$/);
    fc.assert(
      fc.property(fc.constantFrom('Bearer', 'bearer', 'Basic'), credential, (scheme, token) => {
        fc.assert(assertRedactedInText(`${scheme} ${token}`, [token]), { numRuns: 10 });
      }),
      { numRuns: 50 },
    );
  });

  it('redacts tomo_ API tokens inside free text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 48 }), (bytes) => {
        const token = `tomo_${base64url(bytes)}`;
        fc.assert(assertRedactedInText(token, [token, token.slice(5)]), { numRuns: 10 });
      }),
      { numRuns: 50 },
    );
  });

  it('redacts JWTs inside free text', () => {
    const payload = fc.record({ sub: fc.uuid(), name: fc.string({ minLength: 8 }), n: fc.nat() });
    fc.assert(
      fc.property(payload, fc.uint8Array({ minLength: 32, maxLength: 32 }), (claims, key) => {
        const jwt = sign(claims, Buffer.from(key), { algorithm: 'HS256' });
        const [, body, signature] = jwt.split('.');
        fc.assert(assertRedactedInText(jwt, [body!, signature!]), { numRuns: 10 });
      }),
      { numRuns: 50 },
    );
  });

  it('redacts PEM private keys inside free text, whole or cut off', () => {
    const pem = (label: string, body: string) =>
      `-----BEGIN ${label}-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----`;
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'sec1',
      format: 'pem',
    });
    for (const real of [String(ed).trim(), String(ec).trim()]) {
      const body = real.split('\n').slice(1, -1);
      fc.assert(assertRedactedInText(real, body));
    }
    const labels = [
      'PRIVATE KEY',
      'RSA PRIVATE KEY',
      'OPENSSH PRIVATE KEY',
      'ENCRYPTED PRIVATE KEY',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...labels),
        fc.uint8Array({ minLength: 48, maxLength: 400 }),
        fc.boolean(),
        (label, bytes, cut) => {
          const body = Buffer.from(bytes).toString('base64');
          const whole = pem(label, body);
          const text = cut ? whole.slice(0, whole.indexOf('-----END')) : whole;
          const lines = body.match(/.{1,64}/g)!.filter((line) => line.length >= 16);
          fc.assert(assertRedactedInText(text, lines), { numRuns: 5 });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('redacts secrets in the message and stack of an Error', () => {
    const error = new Error(
      'login failed for password=hunter2-hunter2 with Bearer abcdefghijklmnop',
    );
    const output = JSON.stringify(redactSecrets({ err: error }));
    expect(output).not.toContain('hunter2-hunter2');
    expect(output).not.toContain('abcdefghijklmnop');
  });

  it('does not throw on cycles, and still redacts inside them', () => {
    const node: Record<string, unknown> = { name: 'a', password: 'cyclic-secret-1' };
    node.self = node;
    const list: unknown[] = [{ token: 'cyclic-secret-2' }];
    list.push(list);
    const pair: Record<string, unknown> = { left: { api_key: 'cyclic-secret-3' } };
    (pair.left as Record<string, unknown>).back = pair;
    for (const value of [node, list, pair, { wrap: [node, list, pair] }]) {
      let output = '';
      expect(() => (output = JSON.stringify(redactSecrets(value)))).not.toThrow();
      expect(output).not.toMatch(/cyclic-secret/);
    }
  });
});
