import fc from 'fast-check';
import { pino, Logger } from 'pino';
import { pinoHttp, Options } from 'pino-http';
import { REDACTED, redactText } from '../security/redact';
import { pinoOptions } from './pino-options';

const SECRET_KEYS = [
  ...['password', 'new_password', 'token', 'access_token', 'authorization', 'Authorization'],
  ...['passphrase', 'private_key', 'api_key', 'secret', 'credential', 'cookie'],
];

function httpOptions(): Options {
  return pinoOptions('info').pinoHttp as Options;
}

interface Capture {
  logger: Logger;
  /** Everything written so far. */
  text(): string;
  /** The NDJSON records (split on LF, the framing every log shipper uses). */
  lines(): string[];
  clear(): void;
}

function capture(build: (stream: { write(chunk: string): void }) => Logger): Capture {
  let output = '';
  const logger = build({ write: (chunk: string) => void (output += chunk) });
  return {
    logger,
    text: () => output,
    lines: () => output.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1),
    clear: () => void (output = ''),
  };
}

/** Two ways the options become a logger: plain pino() with the options that apply to it, and pino-http (what nestjs-pino does). */
const BUILDERS: [string, (stream: { write(chunk: string): void }) => Logger][] = [
  [
    'pino() with formatters, hooks, redact and level',
    (stream) => {
      const { formatters, hooks, level, serializers, redact } = httpOptions();
      return pino({ formatters, hooks, level, serializers, redact }, stream);
    },
  ],
  ['pino-http', (stream) => pinoHttp(httpOptions(), stream).logger],
];

const json = fc.jsonValue({ maxDepth: 2 });
type Step =
  { key: string; siblings: Record<string, unknown> } | { before: unknown[]; after: unknown[] };
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ key: fc.string(), siblings: fc.dictionary(fc.string(), json, { maxKeys: 3 }) }),
  fc.record({ before: fc.array(json, { maxLength: 2 }), after: fc.array(json, { maxLength: 2 }) }),
);
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
const secretArbitrary = fc.oneof(
  fc.string({ minLength: 8 }),
  fc.string({ minLength: 8, unit: 'binary' }),
  fc.string({ minLength: 8, unit: 'grapheme' }),
);
function leaks(output: string, secret: string): boolean {
  return output.includes(secret) || output.includes(JSON.stringify(secret).slice(1, -1));
}

/** Text with the characters that could end a log line, around arbitrary content. */
const lineBreaking = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\u2029', '\n{"level":50,"msg":"forged"}\n'),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.join(''))
  .filter((text) => /[\r\n\u2028\u2029]/.test(text) && redactText(text) === text);

describe.each(BUILDERS)('a logger built from pinoOptions: %s', (_name, build) => {
  it('never prints a secret placed under a secret key at any depth of a logged object', () => {
    const log = capture(build);
    fc.assert(
      fc.property(
        secretArbitrary,
        fc.constantFrom(...SECRET_KEYS),
        fc.dictionary(fc.string(), json, { maxKeys: 3 }),
        fc.array(stepArbitrary, { maxLength: 8 }),
        fc.constantFrom('data', 'user', 'body', 'headers'),
        (secret, key, siblings, path, field) => {
          const logAll = (value: string) => {
            const nested = nest(path, { ...siblings, [key]: value });
            const err = Object.assign(new Error('boom'), { stack: 'Error: boom', [key]: value });
            log.clear();
            log.logger.info({ [field]: nested }, 'event');
            log.logger.warn({ [field]: nested, [key]: value });
            log.logger.error({ [key]: value, err }, 'failed');
            return log.text();
          };
          fc.pre(!leaks(logAll(REDACTED), secret));
          expect(leaks(logAll(secret), secret)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('redacts Bearer tokens, API tokens and password= pairs inside the message', () => {
    const log = capture(build);
    log.logger.info('calling with Authorization: Bearer abcdefghijklmnop0123');
    log.logger.info(
      { note: 'sent tomo_AAAAAAAAAAAAAAAAAAAAAAAA' },
      'password=hunter2hunter2 was used',
    );
    const text = log.text();
    for (const secret of [
      'abcdefghijklmnop0123',
      'tomo_AAAAAAAAAAAAAAAAAAAAAAAA',
      'hunter2hunter2',
    ])
      expect(text).not.toContain(secret);
  });

  it('never prints a secret from the bindings of a child logger', () => {
    const log = capture(build);
    log.logger.child({ user: { password: 'child-binding-secret' } }).info('in request');
    expect(log.text()).not.toContain('child-binding-secret');
  });

  it('never prints a secret from an object interpolated into the message (%o, %j)', () => {
    const log = capture(build);
    log.logger.info('payload %o', { password: 'interpolated-secret-1' });
    log.logger.info({ step: 1 }, 'payload %j', { token: 'interpolated-secret-2' });
    expect(log.text()).not.toMatch(/interpolated-secret/);
  });

  it('writes one JSON line per event whatever CR, LF, U+2028 the message or a field holds', () => {
    const log = capture(build);
    fc.assert(
      fc.property(lineBreaking, lineBreaking, (message, value) => {
        log.clear();
        log.logger.info({ field: value, nested: { value } }, message);
        const lines = log.lines();
        expect(lines).toHaveLength(1);
        const record = JSON.parse(lines[0]!) as Record<string, unknown>;
        expect(record.msg).toBe(message);
        expect(record.field).toBe(value);
        expect(record.nested).toEqual({ value });
        expect(record.level).toBe(30);
      }),
      { numRuns: 300 },
    );
  });

  it('escapes U+2028 and U+2029 so that readers that break lines on them see one line too', () => {
    const log = capture(build);
    log.logger.info({ field: 'a\u2028{"forged":1}\u2029b' }, 'x\u2028y');
    expect(log.text()).not.toMatch(/[\u2028\u2029]/);
    expect(
      log
        .text()
        .trimEnd()
        .split(/\r\n|[\n\r\u2028\u2029]/),
    ).toHaveLength(1);
  });
});
