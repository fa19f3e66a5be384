import type { AppConfig } from '../config/app-config';

/**
 * The registry of every setting Tomo knows. A key not listed here cannot be read or written.
 * `default` may depend on the configuration: an environment variable that set a value before
 * the settings module existed (e.g. AGENT_HEARTBEAT_INTERVAL) now sets the setting's default.
 */
export type SettingScope = 'system' | 'user';
export type SettingType = 'integer' | 'boolean' | 'string' | 'enum' | 'secret';

interface Common<T> {
  type: SettingType;
  category: string;
  scope: SettingScope;
  /** Only admins may read the value (non-admins see the key with `value: null`). */
  adminOnly: boolean;
  description: string;
  default: T | ((config: AppConfig) => T);
  /** The environment variable that sets the default, when one does. */
  env?: string;
}

export interface IntegerSetting extends Common<number> {
  type: 'integer';
  min: number;
  max: number;
  unit?: string;
}
export interface BooleanSetting extends Common<boolean> {
  type: 'boolean';
}
export interface StringSetting extends Common<string> {
  type: 'string';
  maxLength: number;
  /** An anchored pattern the value must match, with what it means for the error message. */
  pattern?: { regex: RegExp; meaning: string };
}
export interface EnumSetting<E extends string = string> extends Common<E> {
  type: 'enum';
  values: readonly E[];
}
/** Write-only: stored sealed, never returned (reads show whether one is set). */
export interface SecretSetting extends Common<string> {
  type: 'secret';
  maxLength: number;
}

export type SettingDefinition =
  IntegerSetting | BooleanSetting | StringSetting | EnumSetting | SecretSetting;

const system = { scope: 'system', adminOnly: false } as const;
const adminSystem = { scope: 'system', adminOnly: true } as const;
const user = { scope: 'user', adminOnly: false } as const;

export const SETTING_DEFINITIONS = {
  // security
  'security.max_login_attempts': {
    ...adminSystem,
    type: 'integer',
    category: 'security',
    min: 1,
    max: 100,
    default: 5,
    description: 'Failed logins in a row before the account is locked.',
  },
  'security.account_lockout_duration': {
    ...adminSystem,
    type: 'integer',
    category: 'security',
    min: 60,
    max: 86_400,
    unit: 'seconds',
    default: 900,
    description: 'How long a locked account stays locked.',
  },
  'security.session_idle_timeout': {
    ...adminSystem,
    type: 'integer',
    category: 'security',
    min: 60,
    max: 30 * 86_400,
    unit: 'seconds',
    default: (config: AppConfig) => config.sessionIdleTimeoutSeconds,
    env: 'SESSION_IDLE_TIMEOUT_SECONDS',
    description: 'A session unused for this long ends.',
  },
  // agents
  'agent.heartbeat_interval': {
    ...system,
    type: 'integer',
    category: 'agents',
    min: 1,
    max: 3600,
    unit: 'seconds',
    default: (config: AppConfig) => config.agentHeartbeatIntervalSeconds,
    env: 'AGENT_HEARTBEAT_INTERVAL_SECONDS',
    description: 'How often Tomo pings each agent and agents send heartbeats.',
  },
  'agent.heartbeat_timeout': {
    ...system,
    type: 'integer',
    category: 'agents',
    min: 2,
    max: 86_400,
    unit: 'seconds',
    default: (config: AppConfig) => config.agentHeartbeatTimeoutSeconds,
    env: 'AGENT_HEARTBEAT_TIMEOUT_SECONDS',
    description: 'An agent silent for this long is marked disconnected.',
  },
  'agent.metrics_interval': {
    ...system,
    type: 'integer',
    category: 'agents',
    min: 5,
    max: 3600,
    unit: 'seconds',
    default: 30,
    description: 'How often agents send metrics.update.',
  },
  'agent.health_interval': {
    ...system,
    type: 'integer',
    category: 'agents',
    min: 5,
    max: 3600,
    unit: 'seconds',
    default: 60,
    description: 'How often agents send health.status.',
  },
  'agent.reconnect_timeout': {
    ...system,
    type: 'integer',
    category: 'agents',
    min: 1,
    max: 3600,
    unit: 'seconds',
    default: 30,
    description: 'Longest wait of an agent between reconnection attempts.',
  },
  'agent.auto_update': {
    ...system,
    type: 'boolean',
    category: 'agents',
    default: true,
    description: 'Agents may update themselves when Tomo offers a newer version.',
  },
  'agent.registration_code_ttl': {
    ...adminSystem,
    type: 'integer',
    category: 'agents',
    min: 60,
    max: 365 * 86_400,
    unit: 'seconds',
    default: (config: AppConfig) => config.agentRegistrationCodeTtlSeconds,
    env: 'AGENT_REGISTRATION_CODE_TTL_SECONDS',
    description: 'How long a registration code from register_agent stays valid.',
  },
  // servers and monitoring
  'servers.check_interval': {
    ...system,
    type: 'integer',
    category: 'servers',
    min: 0,
    max: 86_400,
    unit: 'seconds',
    default: (config: AppConfig) => config.serverCheckIntervalSeconds,
    env: 'SERVER_CHECK_INTERVAL_SECONDS',
    description: 'How often servers are checked for reachability (0 turns the check off).',
  },
  'monitoring.ssh_probe_interval': {
    ...system,
    type: 'integer',
    category: 'monitoring',
    min: 0,
    max: 86_400,
    unit: 'seconds',
    default: 60,
    description: 'How often servers without an agent are sampled over SSH (0 turns it off).',
  },
  // marketplace and apps
  'marketplace.sync_interval': {
    ...system,
    type: 'integer',
    category: 'marketplace',
    min: 0,
    max: 7 * 1440,
    unit: 'minutes',
    default: (config: AppConfig) => config.marketplaceSyncIntervalMinutes,
    env: 'MARKETPLACE_SYNC_INTERVAL_MINUTES',
    description: 'How often catalogs are synced from their git remotes (0 turns it off).',
  },
  'marketplace.allow_private_sources': {
    ...adminSystem,
    type: 'boolean',
    category: 'marketplace',
    default: (config: AppConfig) => config.marketplaceAllowPrivateSources,
    env: 'MARKETPLACE_ALLOW_PRIVATE_SOURCES',
    description:
      'Allow catalog remotes on private, loopback or link-local addresses (SSRF guard off).',
  },
  'apps.data_root': {
    ...system,
    type: 'string',
    category: 'apps',
    maxLength: 255,
    pattern: {
      regex: /^\/(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]*$/,
      meaning: 'an absolute path of letters, digits, ".", "_", "-" and "/", without ".." parts',
    },
    default: (config: AppConfig) => config.appsDataRoot,
    env: 'APPS_DATA_ROOT',
    description:
      'Directory on each server under which apps keep their data. Installations made from then on use it; existing ones keep the root they were installed with.',
  },
  'notifications.allow_private_targets': {
    ...adminSystem,
    type: 'boolean',
    category: 'notifications',
    default: false,
    description:
      'Allow notification channels to reach private, loopback or link-local addresses (SSRF guard off).',
  },
  // retention
  'retention.audit_min_days': {
    ...adminSystem,
    type: 'integer',
    category: 'retention',
    min: 30,
    max: 3650,
    unit: 'days',
    default: 365,
    description: 'Audit rows younger than this are never purged, whatever the policy says.',
  },
  'retention.schedule_enabled': {
    ...adminSystem,
    type: 'boolean',
    category: 'retention',
    default: true,
    description: 'Run the retention policies once a day.',
  },
  'retention.run_at_hour': {
    ...adminSystem,
    type: 'integer',
    category: 'retention',
    min: 0,
    max: 23,
    unit: 'hour (UTC)',
    default: 3,
    description: 'Hour of the day (UTC) of the daily retention run.',
  },
  // backup
  'backup.schedule_enabled': {
    ...adminSystem,
    type: 'boolean',
    category: 'backup',
    default: false,
    description: 'Create backups on a schedule.',
  },
  'backup.interval_hours': {
    ...adminSystem,
    type: 'integer',
    category: 'backup',
    min: 1,
    max: 24 * 30,
    unit: 'hours',
    default: 24,
    description: 'Hours between scheduled backups.',
  },
  'backup.keep': {
    ...adminSystem,
    type: 'integer',
    category: 'backup',
    min: 1,
    max: 1000,
    default: 7,
    description: 'Scheduled backups kept; older scheduled ones are deleted (manual ones stay).',
  },
  'backup.schedule_passphrase': {
    ...adminSystem,
    type: 'secret',
    category: 'backup',
    maxLength: 1024,
    default: '',
    description:
      'Passphrase of scheduled backups; without one they are unencrypted and carry no key for sealed credentials.',
  },
  // user preferences
  'ui.theme': {
    ...user,
    type: 'enum',
    category: 'ui',
    values: ['system', 'light', 'dark'],
    default: 'system',
    description: 'Colour scheme of the admin interface.',
  },
  'ui.timezone': {
    ...user,
    type: 'string',
    category: 'ui',
    maxLength: 64,
    pattern: { regex: /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/, meaning: 'an IANA time zone name' },
    default: 'UTC',
    description: 'Time zone the interface shows times in.',
  },
  'notifications.min_severity': {
    ...user,
    type: 'enum',
    category: 'notifications',
    values: ['info', 'success', 'warning', 'error'],
    default: 'info',
    description: 'Notifications below this severity are not created for you.',
  },
} as const satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTING_DEFINITIONS;

type ValueOf<D> = D extends { type: 'integer' }
  ? number
  : D extends { type: 'boolean' }
    ? boolean
    : D extends { type: 'enum'; values: readonly (infer E)[] }
      ? E
      : string;

/** The type of a setting's value. */
export type SettingValue<K extends SettingKey> = ValueOf<(typeof SETTING_DEFINITIONS)[K]>;

export type UserSettingKey = {
  [K in SettingKey]: (typeof SETTING_DEFINITIONS)[K]['scope'] extends 'user' ? K : never;
}[SettingKey];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTING_DEFINITIONS, key);
}
