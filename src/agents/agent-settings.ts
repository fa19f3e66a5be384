import type { SettingsService } from '../settings/settings.service';

/**
 * The `agent.*` settings (AGENT_PROTOCOL §2 `config`, §1 liveness). Each property reads the
 * settings service when it is used, so a change made with update_setting applies without a
 * restart (the defaults come from AGENT_HEARTBEAT_* and AGENT_REGISTRATION_CODE_TTL_SECONDS).
 */
export interface AgentSettings {
  readonly metricsInterval: number;
  readonly healthInterval: number;
  readonly reconnectTimeout: number;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  readonly autoUpdate: boolean;
  readonly registrationCodeTtlSeconds: number;
  /** First frame deadline after the socket opens. */
  readonly handshakeTimeoutSeconds: number;
  /** Default wait for an RPC answer. */
  readonly requestTimeoutSeconds: number;
}

export const AGENT_SETTINGS = Symbol('AGENT_SETTINGS');

/** The fixed parts (not settings). */
const HANDSHAKE_TIMEOUT_SECONDS = 30;
const REQUEST_TIMEOUT_SECONDS = 30;

/** A live view of the agent settings: every read is the current value. */
export function agentSettingsFrom(settings: SettingsService): AgentSettings {
  return {
    get metricsInterval() {
      return settings.get('agent.metrics_interval');
    },
    get healthInterval() {
      return settings.get('agent.health_interval');
    },
    get reconnectTimeout() {
      return settings.get('agent.reconnect_timeout');
    },
    get heartbeatInterval() {
      return settings.get('agent.heartbeat_interval');
    },
    get heartbeatTimeout() {
      return settings.get('agent.heartbeat_timeout');
    },
    get autoUpdate() {
      return settings.get('agent.auto_update');
    },
    get registrationCodeTtlSeconds() {
      return settings.get('agent.registration_code_ttl');
    },
    handshakeTimeoutSeconds: HANDSHAKE_TIMEOUT_SECONDS,
    requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS,
  };
}

/** The setting behind each field of the agents' `config` (pushed with `config.update`). */
export const AGENT_CONFIG_FIELDS: Readonly<Record<string, string>> = {
  'agent.metrics_interval': 'metrics_interval',
  'agent.health_interval': 'health_interval',
  'agent.reconnect_timeout': 'reconnect_timeout',
  'agent.heartbeat_interval': 'heartbeat_interval',
  'agent.heartbeat_timeout': 'heartbeat_timeout',
  'agent.auto_update': 'auto_update',
};

/** The `config` object of the registered/authenticated replies. */
export function agentConfig(settings: AgentSettings) {
  return {
    metrics_interval: settings.metricsInterval,
    health_interval: settings.healthInterval,
    reconnect_timeout: settings.reconnectTimeout,
    heartbeat_interval: settings.heartbeatInterval,
    heartbeat_timeout: settings.heartbeatTimeout,
    auto_update: settings.autoUpdate,
  };
}
