import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from './app-config';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

let dataDirectory: string;

beforeEach(() => {
  dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-config-'));
});
afterEach(() => rmSync(dataDirectory, { recursive: true, force: true }));

function load(env: Record<string, string> = {}): AppConfig {
  return loadConfig({ DATA_DIRECTORY: dataDirectory, ...env });
}

/** The problems a refused configuration reports (fails the test if it was accepted). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    for (const problem of problems) expect((error as Error).message).toContain(problem);
    return problems;
  }
  throw new Error(`configuration ${JSON.stringify(env)} was accepted`);
}

const randomSecret = (bytes: number) => randomBytes(bytes).toString('base64url').slice(0, bytes);
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = load();
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 8000,
      logLevel: 'info',
      sshTimeoutSeconds: 30,
      maxConcurrentConnections: 10,
      passwordMinLength: 15,
      allowedOrigins: [],
      mcpToolsets: [],
      features: {},
      dataDirectory,
      databasePath: join(dataDirectory, 'tomo.db'),
      serverUrl: 'http://127.0.0.1:8000',
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['SSH_TIMEOUT', '0'],
    ['APP_ENV', 'prod'],
    ['ALLOWED_ORIGINS', 'https://tomo.example.com/path'],
    ['ALLOWED_ORIGINS', 'https://tomo.example.com/'],
    ['ALLOWED_ORIGINS', 'not a url'],
    ['PASSWORD_MIN_LENGTH', '4'],
    ['MAX_CONCURRENT_CONNECTIONS', 'ten'],
    ['LOG_LEVEL', 'loud'],
    ['HOST', 'bad host;rm'],
  ])('refuses %s=%s with one message that names the variable and the value', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toContain(value.trim() || name);
  });

  it('reports several bad values at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      SSH_TIMEOUT: '0',
      APP_ENV: 'prod',
      ALLOWED_ORIGINS: 'https://tomo.example.com/path',
      PASSWORD_MIN_LENGTH: '4',
    });
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'SSH_TIMEOUT', 'APP_ENV', 'ALLOWED_ORIGINS', 'PASSWORD_MIN_LENGTH'])
      expect(problems.filter((p) => p.startsWith(`${name}:`))).toHaveLength(1);
  });

  it('reports a bad value and a missing production secret at once', () => {
    const problems = problemsOf({
      APP_ENV: 'production',
      PORT: 'abc',
      TOMO_ENCRYPTION_KEY: 'abc',
      TOMO_ADMIN_USERNAME: 'root',
    });
    for (const name of ['PORT', 'JWT_SECRET_KEY', 'TOMO_ENCRYPTION_KEY', 'TOMO_ADMIN_PASSWORD'])
      expect({ name, found: problems.some((p) => p.includes(name)) }).toEqual({
        name,
        found: true,
      });
  });

  describe('JWT_SECRET_KEY (checklist 10)', () => {
    it('is required in production', () => {
      const problems = problemsOf({ APP_ENV: 'production' });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('JWT_SECRET_KEY');
      expect(existsSync(join(dataDirectory, 'jwt-secret'))).toBe(false);
    });

    it('refuses a random secret of 31 bytes', () => {
      const problems = problemsOf({ APP_ENV: 'production', JWT_SECRET_KEY: randomSecret(31) });
      expect(problems).toEqual([expect.stringContaining('JWT_SECRET_KEY')]);
      expect(problems[0]).toContain('32 bytes');
    });

    it.each([
      'changeme'.repeat(5),
      'CHANGEME-changeme-CHANGEME-changeme-CHANGEME',
      'secret'.repeat(6),
      'your-super-secret-jwt-token-with-at-least-32-characters-long',
      'x'.repeat(40),
    ])('refuses the known or non-random value %s, in development too', (secret) => {
      for (const env of ['production', 'development']) {
        const problems = problemsOf({ APP_ENV: env, JWT_SECRET_KEY: secret });
        expect(problems).toEqual([expect.stringContaining('JWT_SECRET_KEY')]);
      }
    });

    it('accepts 48 random bytes, and exactly 32, in production', () => {
      for (const secret of [randomBytes(48).toString('base64'), randomSecret(32)]) {
        const config = load({ APP_ENV: 'production', JWT_SECRET_KEY: secret });
        expect(config.env).toBe('production');
        expect(config.jwt.secret).toBe(secret);
      }
      expect(existsSync(join(dataDirectory, 'jwt-secret'))).toBe(false);
    });
  });

  describe('generated secrets', () => {
    const FILES = ['jwt-secret', 'audit-key', 'encryption-key'];

    it('are written to the data directory with mode 0600 in development', () => {
      const config = load({ APP_ENV: 'development' });
      for (const name of FILES) {
        const path = join(dataDirectory, name);
        expect({ name, mode: modeOf(path).toString(8) }).toEqual({ name, mode: '600' });
        expect(readFileSync(path, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
      }
      expect(Buffer.byteLength(config.jwt.secret)).toBeGreaterThanOrEqual(32);
      expect(config.encryptionKey).toHaveLength(32);
      expect(config.auditKey.length).toBeGreaterThanOrEqual(32);
      expect(config.jwt.secret).toBe(
        readFileSync(join(dataDirectory, 'jwt-secret'), 'utf8').trim(),
      );
    });

    it('are reused by the next start (same values)', () => {
      const first = load({ APP_ENV: 'development' });
      const second = load({ APP_ENV: 'development' });
      expect(second.jwt.secret).toBe(first.jwt.secret);
      expect(second.auditKey.equals(first.auditKey)).toBe(true);
      expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
    });

    it('differ between two data directories', () => {
      const first = load();
      const other = mkdtempSync(join(tmpdir(), 'tomo-config-'));
      try {
        const second = loadConfig({ DATA_DIRECTORY: other });
        expect(second.jwt.secret).not.toBe(first.jwt.secret);
        expect(second.auditKey.equals(first.auditKey)).toBe(false);
        expect(second.encryptionKey.equals(first.encryptionKey)).toBe(false);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    it('has a key file with loose permissions tightened to 0600 and reused', () => {
      const first = load();
      chmodSync(join(dataDirectory, 'audit-key'), 0o644);
      const second = load();
      expect(modeOf(join(dataDirectory, 'audit-key')).toString(8)).toBe('600');
      expect(second.auditKey.equals(first.auditKey)).toBe(true);
    });

    it('are not generated for a JWT secret given in the environment', () => {
      const secret = randomBytes(48).toString('base64');
      expect(load({ JWT_SECRET_KEY: secret }).jwt.secret).toBe(secret);
      expect(existsSync(join(dataDirectory, 'jwt-secret'))).toBe(false);
    });
  });

  describe('TOMO_ENCRYPTION_KEY', () => {
    it('accepts 32 bytes as 64 hex digits or as base64, and uses those bytes', () => {
      const key = randomBytes(32);
      expect(load({ TOMO_ENCRYPTION_KEY: key.toString('hex') }).encryptionKey.equals(key)).toBe(
        true,
      );
      expect(load({ TOMO_ENCRYPTION_KEY: key.toString('base64') }).encryptionKey.equals(key)).toBe(
        true,
      );
      expect(existsSync(join(dataDirectory, 'encryption-key'))).toBe(false);
    });

    it.each([
      ['16 bytes in hex', randomBytes(16).toString('hex')],
      ['31 bytes in base64', randomBytes(31).toString('base64')],
      ['33 bytes in base64', randomBytes(33).toString('base64')],
      ['a short word', 'abc'],
    ])('refuses %s', (_label, value) => {
      const problems = problemsOf({ TOMO_ENCRYPTION_KEY: value });
      expect(problems).toEqual([expect.stringContaining('TOMO_ENCRYPTION_KEY')]);
      expect(problems[0]).toContain('32 bytes');
    });
  });

  it.each([
    [{ TOMO_ADMIN_USERNAME: 'root' }],
    [{ TOMO_ADMIN_PASSWORD: 'a quiet lantern over the river' }],
  ])('refuses an admin username without a password and vice versa (%j)', (env) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('TOMO_ADMIN_USERNAME');
    expect(problems[0]).toContain('TOMO_ADMIN_PASSWORD');
  });

  it('reads FEATURE_* flags', () => {
    const config = load({
      FEATURE_X: 'true',
      FEATURE_BETA_UI: '1',
      FEATURE_OFF: 'false',
      FEATURE_NO: 'no',
    });
    expect(config.features).toEqual({ x: true, beta_ui: true, off: false, no: false });
  });

  it('reads HOST, PORT and ALLOWED_ORIGINS', () => {
    const config = load({
      HOST: '0.0.0.0',
      PORT: '9000',
      ALLOWED_ORIGINS: 'https://a.example.com, http://localhost:5173',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      allowedOrigins: ['https://a.example.com', 'http://localhost:5173'],
      serverUrl: 'http://0.0.0.0:9000',
    });
  });
});
