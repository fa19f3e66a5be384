import {
  enumOf,
  listSchema,
  nullable,
  objectSchema,
  str,
  bool,
  int,
} from '../common/validation/result-schemas';
import { AGENT_STATUSES, AgentEntity, AgentStatus } from './entities/agent.entity';

/** agent = {id, server_id, status, version, connected, last_heartbeat_at, registered_at, …}. */
export interface AgentView {
  id: string;
  server_id: string;
  status: AgentStatus;
  connected: boolean;
  version: string | null;
  registered_at: string | null;
  connected_at: string | null;
  last_heartbeat_at: string | null;
  ip_address: string | null;
  created_at: string;
}

export function toAgentView(row: AgentEntity, connected: boolean): AgentView {
  return {
    id: row.id,
    server_id: row.serverId,
    status: row.status,
    connected,
    version: row.version,
    registered_at: row.registeredAt,
    connected_at: row.connectedAt,
    last_heartbeat_at: row.lastHeartbeatAt,
    ip_address: row.ipAddress,
    created_at: row.createdAt,
  };
}

export const AGENT_SCHEMA = objectSchema({
  id: str('uuid'),
  server_id: str('uuid'),
  status: enumOf(AGENT_STATUSES),
  connected: bool(),
  version: nullable(str()),
  registered_at: nullable(str('date-time')),
  connected_at: nullable(str('date-time')),
  last_heartbeat_at: nullable(str('date-time')),
  ip_address: nullable(str()),
  created_at: str('date-time'),
});
export const AGENT_LIST_SCHEMA = listSchema(AGENT_SCHEMA);

/** register_agent → {agent_id, registration_code, expires_at, server_url, command}. */
export interface RegistrationView {
  agent_id: string;
  registration_code: string;
  expires_at: string;
  server_url: string;
  command: string;
}

export const REGISTRATION_SCHEMA = objectSchema({
  agent_id: str('uuid'),
  registration_code: str(),
  expires_at: str('date-time'),
  server_url: str(),
  command: str(),
});

export const PING_SCHEMA = objectSchema({
  success: bool(),
  latency_ms: { type: 'number' },
  version: nullable(str()),
  agent_id: str('uuid'),
});

export const ROTATION_SCHEMA = objectSchema({
  success: bool(),
  rotated_at: str(),
  grace_period_seconds: int(),
});

export const INSTALL_SCHEMA = objectSchema({
  success: bool(),
  service: enumOf(['systemd', 'supervised']),
  runtime: enumOf(['bundled', 'system']),
  install_dir: str(),
  steps: {
    type: 'array',
    items: objectSchema({ title: str(), success: bool(), duration_ms: int() }),
  },
  duration_ms: int(),
  agent: AGENT_SCHEMA,
});

export const UNINSTALL_SCHEMA = objectSchema({ success: bool(), agent_removed: bool() });
