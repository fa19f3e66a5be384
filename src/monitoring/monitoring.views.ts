import {
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import type { JsonSchema } from '../common/validation/json-schema';
import { METRIC_NAMES, METRIC_UNITS } from './metrics/metric-names';

const num = (): JsonSchema => ({ type: 'number' });
const counts = (): JsonSchema => ({ type: 'object', additionalProperties: int() });

const POINT_SCHEMA = objectSchema({ t: str('date-time'), value: num(), min: num(), max: num() });

export const METRICS_SCHEMA = objectSchema({
  server_id: str('uuid'),
  since: str('date-time'),
  until: str('date-time'),
  resolution: str(),
  resolution_seconds: nullable(int()),
  series: {
    type: 'array',
    items: objectSchema({
      metric: enumOf(METRIC_NAMES),
      unit: enumOf([...new Set(Object.values(METRIC_UNITS))]),
      points: { type: 'array', items: POINT_SCHEMA },
    }),
  },
});

export const RESOURCE_USAGE_SCHEMA = objectSchema({
  server_id: str('uuid'),
  method: enumOf(['agent', 'ssh']),
  cpu_percent: num(),
  memory_used_bytes: num(),
  memory_total_bytes: num(),
  memory_percent: num(),
  disk_used_bytes: num(),
  disk_total_bytes: num(),
  disk_percent: num(),
  load_1: num(),
  load_5: num(),
  load_15: num(),
  net_rx_bytes: num(),
  net_tx_bytes: num(),
  sampled_at: str('date-time'),
});

const ALERT_SCHEMA = objectSchema({
  kind: enumOf([
    'server_unreachable',
    'server_auth_failed',
    'server_host_key_changed',
    'agent_disconnected',
    'app_failed',
  ]),
  target_id: str(),
  name: str(),
  message: nullable(str()),
  since: nullable(str('date-time')),
});

const STATUS_PROPERTIES = {
  servers: objectSchema({ total: int(), by_status: counts() }),
  agents: objectSchema({ connected: int(), total: int(), by_status: counts() }),
  apps: objectSchema({ total: int(), by_status: counts() }),
  last_backup: nullable(
    objectSchema({ id: str(), created_at: str('date-time'), size_bytes: int(), status: str() }, [
      'status',
    ]),
  ),
  open_alerts: int(),
  alerts: { type: 'array', items: ALERT_SCHEMA },
};

export const STATUS_SCHEMA = objectSchema(STATUS_PROPERTIES);

const DASHBOARD_SERVER_SCHEMA = objectSchema({
  id: str('uuid'),
  name: str(),
  hostname: str(),
  status: str(),
  agent_status: nullable(str()),
  sampled_at: nullable(str('date-time')),
  cpu_percent: nullable(num()),
  memory_percent: nullable(num()),
  disk_percent: nullable(num()),
  load_1: nullable(num()),
});

export const DASHBOARD_SCHEMA = objectSchema({
  ...STATUS_PROPERTIES,
  servers_overview: listSchema(DASHBOARD_SERVER_SCHEMA),
  recent_activity: {
    type: 'array',
    items: objectSchema({
      id: int(),
      timestamp: str('date-time'),
      event: str(),
      summary: str(),
      target_type: nullable(str()),
      target_id: nullable(str()),
      actor_id: nullable(str()),
    }),
  },
});
