import { bool, makeValidator, str, url } from 'envalid';

const positiveInt = (min: number, max: number) =>
  makeValidator<number>((raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new Error(`must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  });

/** A whole number in [min, max] where 0 is also allowed (meaning "off"). */
const positiveIntOrZeroNumber = (min: number, max: number) =>
  makeValidator<number>((raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value > max || (value !== 0 && value < min)) {
      throw new Error(`must be 0 or a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  });

/** A TCP port; 0 lets the system pick a free one (used by the test suites). */
const positiveIntOrZero = makeValidator<number>((raw) => {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value > 65535)
    throw new Error(`must be a port from 0 to 65535, got "${raw}"`);
  return value;
});

const host = makeValidator<string>((raw) => {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw))
    throw new Error(`is not a host name or IP address: "${raw}"`);
  return raw;
});

const commaList = makeValidator<string[]>((raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const originList = makeValidator<string[]>((raw) => {
  const origins = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new Error(`contains "${origin}", which is not an origin like https://tomo.example.com`);
    }
    if (parsed.origin !== origin) {
      throw new Error(
        `contains "${origin}"; an origin has no path or trailing slash (${parsed.origin})`,
      );
    }
  }
  return origins;
});

const logLevel = str({
  choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  default: 'info',
  desc: 'Minimum level of the JSON log on stdout.',
});

/**
 * Every environment variable Tomo reads, with its default and meaning. This table is the
 * configuration reference: `docs/configuration.md` is generated from it.
 */
export const ENVIRONMENT_SCHEMA = {
  APP_ENV: str({
    choices: ['production', 'development', 'test'],
    default: 'development',
    desc: 'production refuses to start without JWT_SECRET_KEY; development and test generate secrets into the data directory.',
  }),
  DATA_DIRECTORY: str({
    default: 'data',
    desc: 'Where the SQLite database, generated keys and backups live.',
  }),
  HOST: host({ default: '127.0.0.1', desc: 'Address the HTTP server listens on.' }),
  PORT: positiveIntOrZero({
    default: 8000,
    desc: 'Port of the HTTP server (REST, MCP, WebSocket, health).',
  }),
  VERSION: str({
    default: '',
    desc: 'Overrides the version Tomo reports (defaults to package.json).',
  }),
  LOG_LEVEL: logLevel,
  JWT_SECRET_KEY: str({
    default: '',
    desc: 'HS256 signing key for session tokens, at least 32 bytes. Required in production.',
  }),
  JWT_EXPIRES_IN_SECONDS: positiveInt(
    60,
    86400,
  )({ default: 43200, desc: 'Absolute lifetime of a login session (at most 24 h).' }),
  SESSION_IDLE_TIMEOUT_SECONDS: positiveInt(
    60,
    86400,
  )({
    default: 3600,
    desc: 'Default of the setting security.session_idle_timeout: a session unused for this long ends.',
  }),
  TOMO_ENCRYPTION_KEY: str({
    default: '',
    desc: 'Key sealing stored credentials (base64 or hex, 32 bytes). Generated into the data directory when empty.',
  }),
  TOMO_AUDIT_KEY: str({
    default: '',
    desc: 'HMAC key of the audit chain (at least 32 bytes). Generated into the data directory when empty.',
  }),
  TOMO_ADMIN_USERNAME: str({
    default: '',
    desc: 'Creates this admin at first start when no admin exists.',
  }),
  TOMO_ADMIN_PASSWORD: str({
    default: '',
    desc: 'Password of TOMO_ADMIN_USERNAME (must pass the password policy).',
  }),
  TOMO_GENERATE_ADMIN: bool({
    default: true,
    desc: 'When no admin exists and none is configured, create "admin" with a generated password written to <DATA_DIRECTORY>/initial-admin-password. Set false to create the first admin through POST /api/v1/setup instead.',
  }),
  PASSWORD_MIN_LENGTH: positiveInt(
    8,
    64,
  )({ default: 15, desc: 'Minimum password length (NIST SP 800-63B-4; never below 8).' }),
  TRUST_PROXY: str({
    default: '',
    desc: 'Express trust-proxy setting (e.g. "loopback" or "1"); empty trusts no proxy, so X-Forwarded-For is ignored.',
  }),
  ALLOWED_ORIGINS: originList({
    default: [],
    desc: 'Browser origins allowed to call MCP and the API besides localhost, comma-separated.',
  }),
  SERVER_URL: url({
    default: '',
    desc: 'Public URL of this Tomo, the one agents dial (defaults to http://HOST:PORT).',
  }),
  SSH_TIMEOUT: positiveInt(1, 600)({ default: 30, desc: 'Seconds to wait for an SSH connection.' }),
  MAX_CONCURRENT_CONNECTIONS: positiveInt(
    1,
    100,
  )({ default: 10, desc: 'Concurrent SSH channels per server.' }),
  SSH_IDLE_TIMEOUT_SECONDS: positiveInt(
    5,
    86400,
  )({ default: 300, desc: 'A pooled SSH connection unused for this long is closed.' }),
  SSH_OUTPUT_LIMIT_BYTES: positiveInt(
    1024,
    67108864,
  )({
    default: 1048576,
    desc: 'Output kept per command (stdout and stderr together); the rest is dropped and reported as truncated.',
  }),
  SERVER_CHECK_INTERVAL_SECONDS: positiveIntOrZeroNumber(
    0,
    86400,
  )({
    default: 300,
    desc: 'Default of the setting servers.check_interval: how often every server is probed to refresh its status and last_seen_at; 0 turns the periodic check off.',
  }),
  AGENT_HEARTBEAT_INTERVAL_SECONDS: positiveInt(
    1,
    3600,
  )({
    default: 30,
    desc: 'Default of the setting agent.heartbeat_interval: how often the backend pings each agent socket.',
  }),
  AGENT_HEARTBEAT_TIMEOUT_SECONDS: positiveInt(
    2,
    86400,
  )({
    default: 90,
    desc: 'Default of the setting agent.heartbeat_timeout: an agent socket silent this long (no pong, no frame) is closed and the agent marked disconnected.',
  }),
  AGENT_REGISTRATION_CODE_TTL_SECONDS: positiveInt(
    60,
    31536000,
  )({
    default: 2592000,
    desc: 'Default of the setting agent.registration_code_ttl: lifetime of a one-time agent registration code (30 days).',
  }),
  APPS_DATA_ROOT: str({
    default: '/srv/tomo/apps',
    desc: "Default of the setting apps.data_root: directory on each server under which apps' bind mounts live (`${app_data}` is <root>/<app id>); volume overrides must stay under it.",
  }),
  MARKETPLACE_ALLOW_PRIVATE_SOURCES: bool({
    default: false,
    desc: 'Default of the setting marketplace.allow_private_sources: allow catalog repositories whose host resolves to a loopback, link-local or private address (file:// is always allowed).',
  }),
  MARKETPLACE_SYNC_INTERVAL_MINUTES: positiveInt(
    0,
    10080,
  )({
    default: 360,
    desc: 'Default of the setting marketplace.sync_interval: how often enabled catalog repositories are synced in the background; 0 turns scheduled sync off.',
  }),
  DATABASE_URL: str({
    default: '',
    desc: 'Empty: SQLite in DATA_DIRECTORY. PostgreSQL is on the roadmap.',
  }),
  MCP_TOOLSETS: commaList({
    default: [],
    desc: 'Limits MCP tools/list to these toolsets (auth, servers, agents, apps, marketplace, settings, notifications, monitoring, backup, audit).',
  }),
  TOOLS_DIRECTORY: str({
    default: '',
    desc: 'Accepted for compatibility and ignored: tools are discovered by decorator.',
  }),
  LOGIN_RATE_LIMIT_PER_MINUTE: positiveInt(
    1,
    10000,
  )({ default: 20, desc: 'Login attempts allowed per client IP per minute.' }),
  BODY_LIMIT_BYTES: positiveInt(
    1024,
    104857600,
  )({ default: 1048576, desc: 'Largest JSON request body; larger bodies get 413.' }),
};
