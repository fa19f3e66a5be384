/** The `config` object of the handshake reply and of `config.update` (AGENT_PROTOCOL.md §2, §4). */
export interface AgentConfig {
  metrics_interval: number;
  health_interval: number;
  reconnect_timeout: number;
  heartbeat_interval: number;
  heartbeat_timeout: number;
  auto_update: boolean;
}

export const DEFAULT_CONFIG: AgentConfig = {
  metrics_interval: 30,
  health_interval: 60,
  reconnect_timeout: 30,
  heartbeat_interval: 30,
  heartbeat_timeout: 90,
  auto_update: true,
};

const SECONDS_FIELDS = [
  'metrics_interval',
  'health_interval',
  'reconnect_timeout',
  'heartbeat_interval',
  'heartbeat_timeout',
] as const;

// The backend range-checks these too; the agent still refuses values that would make it spin
// (0 s timers) or go silent for days.
const MIN_SECONDS = 1;
const MAX_SECONDS = 86_400;

export interface ConfigMerge {
  config: AgentConfig;
  changed: (keyof AgentConfig)[];
  problems: string[];
}

/** Applies the known fields of `incoming` to `current`; unknown fields are ignored. */
export function mergeConfig(current: AgentConfig, incoming: Record<string, unknown>): ConfigMerge {
  const config = { ...current };
  const changed: (keyof AgentConfig)[] = [];
  const problems: string[] = [];
  for (const field of SECONDS_FIELDS) {
    if (!(field in incoming)) continue;
    const value = incoming[field];
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < MIN_SECONDS ||
      value > MAX_SECONDS
    ) {
      problems.push(`${field} must be a number of seconds from ${MIN_SECONDS} to ${MAX_SECONDS}`);
      continue;
    }
    if (config[field] !== value) changed.push(field);
    config[field] = value;
  }
  if ('auto_update' in incoming) {
    const value = incoming.auto_update;
    if (typeof value !== 'boolean') problems.push('auto_update must be a boolean');
    else {
      if (config.auto_update !== value) changed.push('auto_update');
      config.auto_update = value;
    }
  }
  return { config, changed, problems };
}
