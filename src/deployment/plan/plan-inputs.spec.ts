import type { AppManifest } from '../../marketplace/manifest/manifest.types';
import { PlanError } from './plan-error';
import { generatePassword, RANDOM_PORT_MAX, RANDOM_PORT_MIN } from './plan-generators';
import { resolvePlan } from './resolve-plan';
import { context, notes, problemsOf, seededRandom, uptimeKuma } from './testing/plan-fixtures';

const inputsOf = (config: unknown, ...rest: Parameters<typeof context>) =>
  resolvePlan(notes(), config, context(...rest)).inputs;

const envOf = (config: unknown, service = 'web') =>
  resolvePlan(notes(), config, context()).services.find((s) => s.name === service)?.env ?? {};

/** A random source that counts its calls. */
function countingRandom() {
  const random = seededRandom();
  const calls: number[] = [];
  return {
    calls,
    random: (bytes: number) => {
      calls.push(bytes);
      return random(bytes);
    },
  };
}

describe('deployment plan: inputs', () => {
  it('gives every declared input a value, from the default when nothing else is known', () => {
    const inputs = inputsOf({});
    expect(Object.keys(inputs)).toEqual([
      'DB_PASSWORD',
      'DB_NAME',
      'ADMIN_EMAIL',
      'PUBLIC_URL',
      'WORKERS',
      'DEBUG',
      'LOG_LEVEL',
      'SMTP_PORT',
      'MEDIA_DIR',
      'API_TOKEN',
      'INSTANCE',
    ]);
    expect(inputs).toMatchObject({
      DB_NAME: 'notes',
      ADMIN_EMAIL: '',
      PUBLIC_URL: '',
      WORKERS: '2',
      DEBUG: 'false',
      LOG_LEVEL: 'info',
      MEDIA_DIR: '',
    });
  });

  it('takes the caller value first, then the kept one, then the default', () => {
    const previousInputs = { DB_PASSWORD: 'kept-password', DB_NAME: 'kept_name', GONE: 'x' };
    const inputs = inputsOf({ inputs: { DB_NAME: 'given_name' } }, { previousInputs });
    expect(inputs.DB_NAME).toBe('given_name');
    expect(inputs.DB_PASSWORD).toBe('kept-password');
    expect(inputs.LOG_LEVEL).toBe('info');
    expect(inputs).not.toHaveProperty('GONE'); // a kept value of an input no longer declared
  });

  it('keeps generated secrets on update: no generator runs for a kept value', () => {
    const first = resolvePlan(uptimeKuma(), {}, context());
    const { random, calls } = countingRandom();
    const update = resolvePlan(uptimeKuma(), {}, context({ previousInputs: first.inputs, random }));
    expect(update.inputs).toEqual(first.inputs);
    expect(update.services[0]?.env.PASSWORD).toBe(first.inputs.ADMIN_PASSWORD);
    expect(calls).toEqual([]);
  });

  it('lists password inputs as secrets', () => {
    expect(resolvePlan(notes(), {}, context()).secretInputs).toEqual(['DB_PASSWORD']);
    expect(resolvePlan(uptimeKuma(), {}, context()).secretInputs).toEqual(['ADMIN_PASSWORD']);
  });

  it('refuses inputs the app does not declare', () => {
    expect(problemsOf(notes(), { inputs: { NOPE: 'x', db_password: 'x' } })).toEqual([
      'config.inputs.NOPE: is not an input of this app',
      'config.inputs.db_password: is not an input of this app',
    ]);
  });

  it('requires a required input to be present and non-empty', () => {
    const manifest = notes();
    manifest.inputs![0]!.default = null;
    expect(problemsOf(manifest, {})).toEqual(['config.inputs.DB_PASSWORD: is required']);
    expect(problemsOf(notes(), { inputs: { DB_PASSWORD: '' } })).toEqual([
      'config.inputs.DB_PASSWORD: is required',
    ]);
    expect(problemsOf(notes(), {}, context({ previousInputs: { DB_PASSWORD: '' } }))).toEqual([
      'config.inputs.DB_PASSWORD: is required',
    ]);
    expect(inputsOf({ inputs: { ADMIN_EMAIL: '' } }).ADMIN_EMAIL).toBe(''); // optional: empty is fine
  });

  describe('values by type', () => {
    it.each([
      ['WORKERS', '3', '3'],
      ['WORKERS', -1.5, '-1.5'],
      ['WORKERS', 4, '4'],
      ['DEBUG', true, 'true'],
      ['DEBUG', 'false', 'false'],
      ['LOG_LEVEL', 'warn', 'warn'],
      ['SMTP_PORT', 587, '587'],
      ['SMTP_PORT', '65535', '65535'],
      ['ADMIN_EMAIL', 'admin@example.org', 'admin@example.org'],
      ['PUBLIC_URL', 'https://notes.example.org/base?x=1', 'https://notes.example.org/base?x=1'],
      ['PUBLIC_URL', 'http://10.0.0.5:8080', 'http://10.0.0.5:8080'],
      ['MEDIA_DIR', '/media/library', '/media/library'],
      ['DB_NAME', 'my_notes', 'my_notes'],
      ['API_TOKEN', 7, '7'],
      ['DB_PASSWORD', '--privileged', '--privileged'],
      ['DB_PASSWORD', ' spaces and "quotes" $(id) `id` ', ' spaces and "quotes" $(id) `id` '],
    ])('accepts %s = %j as %j', (name, value, expected) => {
      expect(inputsOf({ inputs: { [name]: value } })[name]).toBe(expected);
    });

    it.each([
      ['WORKERS', '3e2', 'must be a number'],
      ['WORKERS', 'many', 'must be a number'],
      ['WORKERS', true, 'must be a number'],
      ['WORKERS', Number.NaN, 'must be a number'],
      ['DEBUG', 'yes', 'must be true or false'],
      ['DEBUG', 1, 'must be true or false'],
      ['LOG_LEVEL', 'trace', 'must be one of "debug", "info", "warn"'],
      ['LOG_LEVEL', null, 'must be a string'],
      ['SMTP_PORT', 0, 'must be a port (1–65535)'],
      ['SMTP_PORT', 65536, 'must be a port (1–65535)'],
      ['SMTP_PORT', '0587', 'must be a port (1–65535)'],
      ['SMTP_PORT', 25.5, 'must be a port (1–65535)'],
      ['ADMIN_EMAIL', 'admin', 'must be an email address'],
      ['ADMIN_EMAIL', 'a b@example.org', 'must be an email address'],
      ['PUBLIC_URL', 'ftp://example.org', 'must be an http(s) URL'],
      ['PUBLIC_URL', 'javascript:alert(1)', 'must be an http(s) URL'],
      ['PUBLIC_URL', 'https://exa mple.org', 'must be an http(s) URL'],
      ['PUBLIC_URL', 'example.org', 'must be an http(s) URL'],
      ['MEDIA_DIR', 'media', 'must be an absolute path'],
      ['MEDIA_DIR', '/media/../etc', 'must not contain ".." segments'],
      ['DB_NAME', 'Bad-Name', 'must match the pattern [a-z_]{1,32}'],
      ['DB_NAME', 'notes; DROP TABLE', 'must match the pattern [a-z_]{1,32}'],
      ['DB_NAME', { a: 1 }, 'must be a string'],
      ['DB_PASSWORD', ['x'], 'must be a string'],
      ['DB_PASSWORD', 'line\nbreak', 'must not contain line breaks or NUL'],
      ['DB_PASSWORD', 'carriage\rreturn', 'must not contain line breaks or NUL'],
      ['DB_PASSWORD', 'nul\0byte', 'must not contain line breaks or NUL'],
      ['DB_PASSWORD', 'x'.repeat(4097), 'must be at most 4096 characters'],
    ])('refuses %s = %j', (name, value, message) => {
      expect(problemsOf(notes(), { inputs: { [name]: value } })).toEqual([
        `config.inputs.${name}: ${message}`,
      ]);
    });

    it('matches a pattern against the whole value', () => {
      expect(problemsOf(notes(), { inputs: { DB_NAME: 'ok_part AND MORE' } })).toHaveLength(1);
    });

    it('accepts numeric select options given as numbers or strings', () => {
      const manifest = notes();
      manifest.inputs![6]!.options = [1, 2, 'three'];
      manifest.inputs![6]!.default = 1;
      expect(resolvePlan(manifest, { inputs: { LOG_LEVEL: 2 } }, context()).inputs.LOG_LEVEL).toBe(
        '2',
      );
      expect(resolvePlan(manifest, {}, context()).inputs.LOG_LEVEL).toBe('1');
      expect(problemsOf(manifest, { inputs: { LOG_LEVEL: 4 } })).toEqual([
        'config.inputs.LOG_LEVEL: must be one of "1", "2", "three"',
      ]);
    });

    it('never repeats a value in a problem (it may be a secret)', () => {
      try {
        resolvePlan(
          notes(),
          { inputs: { DB_NAME: 'hunter2-SECRET', DB_PASSWORD: 'p\nSECRET' } },
          context(),
        );
        throw new Error('expected a PlanError');
      } catch (error) {
        expect(error).toBeInstanceOf(PlanError);
        expect(JSON.stringify((error as PlanError).problems)).not.toContain('SECRET');
        expect((error as Error).message).not.toContain('SECRET');
      }
    });

    it('reports a kept value that no longer fits (the manifest changed) where to fix it', () => {
      expect(
        problemsOf(notes(), {}, context({ previousInputs: { LOG_LEVEL: 'verbose' } })),
      ).toEqual([
        'config.inputs.LOG_LEVEL: the value kept from the earlier install no longer fits: it must be one of "debug", "info", "warn"; give a new one',
      ]);
      expect(
        inputsOf({ inputs: { LOG_LEVEL: 'warn' } }, { previousInputs: { LOG_LEVEL: 'verbose' } })
          .LOG_LEVEL,
      ).toBe('warn');
    });

    it("reports a default that does not fit the input's own type at the manifest's default", () => {
      const manifest = notes();
      manifest.inputs![1]!.default = 'Not Valid';
      expect(problemsOf(manifest, {})).toEqual([
        'inputs[1].default: must match the pattern [a-z_]{1,32}',
      ]);
    });
  });

  it('inserts values as they are: ${inputs.X} or $& inside a value is not expanded', () => {
    const config = { inputs: { DB_PASSWORD: '${inputs.DB_NAME}$&$1${app_data}', DB_NAME: 'n' } };
    expect(envOf(config).DB_PASSWORD).toBe('${inputs.DB_NAME}$&$1${app_data}');
    expect(envOf(config, 'db').POSTGRES_PASSWORD).toBe('${inputs.DB_NAME}$&$1${app_data}');
    expect(envOf(config).DB_NAME).toBe('n');
  });

  describe('generators', () => {
    it('makes URL-safe passwords of the asked length that never start with "-" or "_"', () => {
      const password = inputsOf({}).DB_PASSWORD ?? '';
      expect(password).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{31}$/);
      // 62 and 63 are "-" and "_": skipped as the first character only; each round asks for 8 bytes.
      const bytes = [62, 63, 5, 62, 63, 0, 1, 2];
      expect(generatePassword(8, (n) => Buffer.from(bytes.slice(0, n)))).toBe('F-_ABC-_');
    });

    it('gives up on a random source that never yields a usable first character', () => {
      expect(() => generatePassword(8, (n) => Buffer.alloc(n, 63))).toThrow(/random source/);
    });

    it('makes hex strings and v4 uuids', () => {
      const inputs = inputsOf({});
      expect(inputs.API_TOKEN).toMatch(/^[0-9a-f]{32}$/);
      expect(inputs.INSTANCE).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    });

    it('is deterministic with an injected random source, and differs with another', () => {
      expect(inputsOf({})).toEqual(inputsOf({}));
      expect(inputsOf({}, { random: seededRandom('other') }).DB_PASSWORD).not.toBe(
        inputsOf({}).DB_PASSWORD,
      );
    });

    it('runs generators inside a longer default', () => {
      const manifest = notes();
      manifest.inputs![9]!.default = 'tok_${hex:8}_${hex:8}';
      expect(resolvePlan(manifest, {}, context()).inputs.API_TOKEN).toMatch(
        /^tok_[0-9a-f]{8}_[0-9a-f]{8}$/,
      );
    });

    it('picks a random port in 20000–39999 that is free on the server and in the plan', () => {
      const port = Number(inputsOf({}).SMTP_PORT);
      expect(port).toBeGreaterThanOrEqual(RANDOM_PORT_MIN);
      expect(port).toBeLessThanOrEqual(RANDOM_PORT_MAX);

      // A zero source starts at 20000: taken on the server, then by the plan's own ports.
      const zeros = (n: number) => Buffer.alloc(n, 0);
      const usedPorts = new Set([20000, 20002]);
      const config = { ports: { '8080/tcp': 20001, '9090/udp': 20003 } };
      const plan = resolvePlan(notes(), config, context({ usedPorts, random: zeros }));
      expect(plan.inputs.SMTP_PORT).toBe('20004');
    });

    it('gives two random ports of one plan different values', () => {
      const manifest = notes();
      manifest.inputs!.push({
        name: 'IMAP_PORT',
        label: 'IMAP',
        type: 'port',
        default: '${random_port}',
      });
      const zeros = (n: number) => Buffer.alloc(n, 0);
      const inputs = resolvePlan(manifest, {}, context({ random: zeros })).inputs;
      expect([inputs.SMTP_PORT, inputs.IMAP_PORT]).toEqual(['20000', '20001']);
    });

    it('reports when no port is left', () => {
      const usedPorts = new Set(Array.from({ length: 20000 }, (_, i) => RANDOM_PORT_MIN + i));
      expect(problemsOf(notes(), {}, context({ usedPorts }))).toEqual([
        'inputs[7].default: no free port is left in 20000–39999',
      ]);
    });

    it('does not run a generator when the caller gives the value', () => {
      const { random, calls } = countingRandom();
      const manifest: AppManifest = uptimeKuma();
      const plan = resolvePlan(
        manifest,
        { inputs: { ADMIN_PASSWORD: 'chosen' } },
        context({ random }),
      );
      expect(plan.inputs.ADMIN_PASSWORD).toBe('chosen');
      expect(calls).toEqual([]);
    });
  });
});
