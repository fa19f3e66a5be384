import type { AppConfig } from '../config/app-config';

/**
 * The `agent.*` system settings (AGENT_PROTOCOL §2 `config`, §1 liveness) with their defaults.
 * The settings module will own them; until then the heartbeat and code lifetime come from the
 * environment (AGENT_HEARTBEAT_*, AGENT_REGISTRATION_CODE_TTL_SECONDS) and the rest is fixed.
 */
export interface AgentSettings {
  metricsInterval: number;
  healthInterval: number;
  reconnectTimeout: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  autoUpdate: boolean;
  registrationCodeTtlSeconds: number;
  /** First frame deadline after the socket opens. */
  handshakeTimeoutSeconds: number;
  /** Default wait for an RPC answer. */
  requestTimeoutSeconds: number;
}

export const AGENT_SETTINGS = Symbol('AGENT_SETTINGS');

export const DEFAULT_AGENT_SETTINGS: AgentSettings = {
  metricsInterval: 30,
  healthInterval: 60,
  reconnectTimeout: 30,
  heartbeatInterval: 30,
  heartbeatTimeout: 90,
  autoUpdate: true,
  registrationCodeTtlSeconds: 30 * 24 * 3600,
  handshakeTimeoutSeconds: 30,
  requestTimeoutSeconds: 30,
};

/** The defaults with what the environment overrides (see docs/configuration.md). */
export function agentSettingsFrom(config: AppConfig): AgentSettings {
  return {
    ...DEFAULT_AGENT_SETTINGS,
    heartbeatInterval: config.agentHeartbeatIntervalSeconds,
    heartbeatTimeout: config.agentHeartbeatTimeoutSeconds,
    registrationCodeTtlSeconds: config.agentRegistrationCodeTtlSeconds,
  };
}

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
