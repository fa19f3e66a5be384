import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { cleanEnv, EnvMissingError } from 'envalid';
import { AppConfig } from './app-config';
import { AUDIT_KEY_FILE, settlePendingAuditKey } from './audit-key-file';
import { ConfigError } from './config-error';
import { ENVIRONMENT_SCHEMA } from './environment.schema';
import {
  ENCRYPTION_KEY_FILE,
  ensureDataDirectory,
  NEXT_KEY_SUFFIX,
  readOptionalKeyFile,
  readOrCreateSecretFile,
} from './secret-files';

/** Words that, repeated, make the "secrets" found in sample configurations. */
const DEFAULT_SECRET_WORDS = [
  'secret',
  'changeme',
  'jwtsecret',
  'supersecret',
  'mysecret',
  'password',
  'default',
  'development',
  'secretkey',
  'tomo',
];
/** Complete default values shipped by well-known templates (all ≥ 32 bytes). */
const DEFAULT_SECRETS = new Set([
  'your-super-secret-jwt-token-with-at-least-32-characters-long',
  'super-secret-jwt-token-with-at-least-32-characters-long',
  'your-256-bit-secret-your-256-bit-secret',
  'please-change-this-secret-in-production',
]);

function packageVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(join(__dirname, candidate), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === 'tomo' && parsed.version) return parsed.version;
    } catch {
      // try the next location (source tree vs dist/)
    }
  }
  return '0.0.0';
}

/** Problems with a JWT secret, or an empty list when it is usable. */
export function jwtSecretProblems(secret: string): string[] {
  if (Buffer.byteLength(secret, 'utf8') < 32) {
    return [
      'JWT_SECRET_KEY must be at least 32 bytes of random data (e.g. `openssl rand -base64 48`).',
    ];
  }
  const compact = secret.toLowerCase().replace(/[^a-z0-9]/g, '');
  const repeatsDefaultWord = DEFAULT_SECRET_WORDS.some(
    (word) =>
      compact.length % word.length === 0 && compact === word.repeat(compact.length / word.length),
  );
  if (repeatsDefaultWord || DEFAULT_SECRETS.has(secret.toLowerCase())) {
    return ['JWT_SECRET_KEY is a well-known default value; generate a random one.'];
  }
  if (new Set(secret).size < 10) {
    return [
      'JWT_SECRET_KEY repeats too few distinct characters to be random; generate a random one.',
    ];
  }
  return [];
}

function decodeKey(name: string, raw: string, problems: string[]): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    problems.push(
      `${name} must be 32 bytes, written as 64 hex digits or base64 (got ${key.length} bytes).`,
    );
  }
  return key;
}

/**
 * Parses and validates the environment once. Throws a ConfigError listing every bad value.
 * Generates missing development secrets into the data directory (mode 0600).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const clean = cleanEnv(env, ENVIRONMENT_SCHEMA, {
    reporter: ({ errors }) => {
      for (const [name, error] of Object.entries(errors)) {
        if (!error) continue;
        const reason = error instanceof EnvMissingError ? 'is required' : error.message;
        problems.push(`${name}: ${reason}`);
      }
    },
  });
  // Keep going: cross-field rules below are reported together with the bad values above.
  // envalid's result throws on reading a value that failed, so read through `valid`.
  type Clean = typeof clean;
  const valid = <K extends keyof Clean>(key: K): Clean[K] | undefined => {
    try {
      return clean[key];
    } catch {
      return undefined;
    }
  };
  const databaseUrl = valid('DATABASE_URL');
  if (databaseUrl && !databaseUrl.startsWith('sqlite:')) {
    problems.push(
      'DATABASE_URL: only SQLite is supported in this version; leave it empty to use DATA_DIRECTORY/tomo.db.',
    );
  }
  const givenJwtSecret = valid('JWT_SECRET_KEY');
  if (givenJwtSecret) {
    problems.push(...jwtSecretProblems(givenJwtSecret));
  } else if ((valid('APP_ENV') ?? env.APP_ENV) === 'production') {
    problems.push('JWT_SECRET_KEY is required when APP_ENV=production (at least 32 random bytes).');
  }
  const givenAuditKey = valid('TOMO_AUDIT_KEY');
  if (givenAuditKey && Buffer.byteLength(givenAuditKey) < 32) {
    problems.push('TOMO_AUDIT_KEY must be at least 32 bytes.');
  }
  if (Boolean(valid('TOMO_ADMIN_USERNAME')) !== Boolean(valid('TOMO_ADMIN_PASSWORD'))) {
    problems.push('TOMO_ADMIN_USERNAME and TOMO_ADMIN_PASSWORD must be set together.');
  }
  const encryptionKeyRaw = valid('TOMO_ENCRYPTION_KEY');
  const explicitEncryptionKey = encryptionKeyRaw
    ? decodeKey('TOMO_ENCRYPTION_KEY', encryptionKeyRaw, problems)
    : null;
  if (problems.length) throw new ConfigError(problems);

  const dataDirectory = isAbsolute(clean.DATA_DIRECTORY)
    ? clean.DATA_DIRECTORY
    : resolve(clean.DATA_DIRECTORY);
  ensureDataDirectory(dataDirectory);
  const jwtSecret = clean.JWT_SECRET_KEY || readOrCreateSecretFile(dataDirectory, 'jwt-secret', 48);
  // A restore killed while adopting a backup's audit key: finish or drop it before reading.
  settlePendingAuditKey(join(dataDirectory, AUDIT_KEY_FILE));
  const auditKeyFile = clean.TOMO_AUDIT_KEY ? null : join(dataDirectory, AUDIT_KEY_FILE);
  const auditKey = Buffer.from(
    clean.TOMO_AUDIT_KEY || readOrCreateSecretFile(dataDirectory, AUDIT_KEY_FILE, 32),
  );
  const encryptionKeyFile = explicitEncryptionKey ? null : join(dataDirectory, ENCRYPTION_KEY_FILE);
  const encryptionKey =
    explicitEncryptionKey ??
    Buffer.from(readOrCreateSecretFile(dataDirectory, ENCRYPTION_KEY_FILE, 32), 'base64');
  const encryptionKeyFallbacks = encryptionKeyFile
    ? readOptionalKeyFile(`${encryptionKeyFile}${NEXT_KEY_SUFFIX}`)
    : [];

  const features: Record<string, boolean> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('FEATURE_') && value !== undefined) {
      features[name.slice('FEATURE_'.length).toLowerCase()] = ['1', 'true', 'yes', 'on'].includes(
        value.toLowerCase(),
      );
    }
  }

  return {
    env: clean.APP_ENV,
    version: clean.VERSION || packageVersion(),
    dataDirectory,
    databasePath: clean.DATABASE_URL
      ? clean.DATABASE_URL.slice('sqlite:'.length)
      : join(dataDirectory, 'tomo.db'),
    host: clean.HOST,
    port: clean.PORT,
    logLevel: clean.LOG_LEVEL,
    serverUrl:
      clean.SERVER_URL ||
      `http://${clean.HOST.includes(':') ? `[${clean.HOST}]` : clean.HOST}:${clean.PORT}`,
    jwt: {
      secret: jwtSecret,
      expiresInSeconds: clean.JWT_EXPIRES_IN_SECONDS,
      issuer: 'tomo',
      audience: 'tomo-api',
    },
    sessionIdleTimeoutSeconds: clean.SESSION_IDLE_TIMEOUT_SECONDS,
    encryptionKey,
    encryptionKeyFile,
    encryptionKeyFallbacks,
    auditKey,
    auditKeyFile,
    admin: {
      username: clean.TOMO_ADMIN_USERNAME,
      password: clean.TOMO_ADMIN_PASSWORD,
      generate: clean.TOMO_GENERATE_ADMIN,
    },
    passwordMinLength: clean.PASSWORD_MIN_LENGTH,
    trustProxy: clean.TRUST_PROXY,
    allowedOrigins: clean.ALLOWED_ORIGINS,
    sshTimeoutSeconds: clean.SSH_TIMEOUT,
    maxConcurrentConnections: clean.MAX_CONCURRENT_CONNECTIONS,
    sshIdleTimeoutSeconds: clean.SSH_IDLE_TIMEOUT_SECONDS,
    sshOutputLimitBytes: clean.SSH_OUTPUT_LIMIT_BYTES,
    serverCheckIntervalSeconds: clean.SERVER_CHECK_INTERVAL_SECONDS,
    agentHeartbeatIntervalSeconds: clean.AGENT_HEARTBEAT_INTERVAL_SECONDS,
    agentHeartbeatTimeoutSeconds: clean.AGENT_HEARTBEAT_TIMEOUT_SECONDS,
    agentRegistrationCodeTtlSeconds: clean.AGENT_REGISTRATION_CODE_TTL_SECONDS,
    marketplaceAllowPrivateSources: clean.MARKETPLACE_ALLOW_PRIVATE_SOURCES,
    appsDataRoot: clean.APPS_DATA_ROOT,
    marketplaceSyncIntervalMinutes: clean.MARKETPLACE_SYNC_INTERVAL_MINUTES,
    mcpToolsets: clean.MCP_TOOLSETS,
    features,
    loginRateLimitPerMinute: clean.LOGIN_RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: clean.BODY_LIMIT_BYTES,
  };
}
