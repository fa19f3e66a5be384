import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import { AUTH_TYPES, AuthType, SERVER_STATUSES, ServerEntity, ServerStatus } from './server.entity';

/**
 * server = {id, name, hostname, port, username, auth_type, status, host_key_fingerprint,
 * docker_installed, docker_version, os, arch, agent_status, last_seen_at, created_at}
 * (TOOLS.md) plus `status_error`, why the last connection failed. Never the credential.
 */
export interface ServerView {
  id: string;
  name: string;
  hostname: string;
  port: number;
  username: string;
  auth_type: AuthType;
  status: ServerStatus;
  status_error: string | null;
  host_key_fingerprint: string | null;
  docker_installed: boolean;
  docker_version: string | null;
  os: string | null;
  arch: string | null;
  agent_status: string | null;
  last_seen_at: string | null;
  created_at: string;
}

export function toServerView(server: ServerEntity, agentStatus: string | null = null): ServerView {
  return {
    id: server.id,
    name: server.name,
    hostname: server.hostname,
    port: server.port,
    username: server.username,
    auth_type: server.authType,
    status: server.status,
    status_error: server.statusError,
    host_key_fingerprint: server.hostKeyFingerprint,
    docker_installed: server.dockerInstalled,
    docker_version: server.dockerVersion,
    os: server.os,
    arch: server.arch,
    // pending, connected, disconnected or revoked; null while the server has no agent.
    agent_status: agentStatus,
    last_seen_at: server.lastSeenAt,
    created_at: server.createdAt,
  };
}

export const SERVER_SCHEMA = objectSchema({
  id: str('uuid'),
  name: str(),
  hostname: str(),
  port: int(),
  username: str(),
  auth_type: enumOf(AUTH_TYPES),
  status: enumOf(SERVER_STATUSES),
  status_error: nullable(str()),
  host_key_fingerprint: nullable(str()),
  docker_installed: bool(),
  docker_version: nullable(str()),
  os: nullable(str()),
  arch: nullable(str()),
  agent_status: nullable(str()),
  last_seen_at: nullable(str('date-time')),
  created_at: str('date-time'),
});
export const SERVER_LIST_SCHEMA = listSchema(SERVER_SCHEMA);

/** test_connection → {success, latency_ms, host_key_fingerprint, os, arch, docker_installed, docker_version, error}. */
export interface ConnectionTestView {
  success: boolean;
  latency_ms: number | null;
  host_key_fingerprint: string | null;
  os: string | null;
  arch: string | null;
  docker_installed: boolean;
  docker_version: string | null;
  error: string | null;
  status: ServerStatus;
}

export const CONNECTION_TEST_SCHEMA = objectSchema({
  success: bool(),
  latency_ms: nullable({ type: 'number' }),
  host_key_fingerprint: nullable(str()),
  os: nullable(str()),
  arch: nullable(str()),
  docker_installed: bool(),
  docker_version: nullable(str()),
  error: nullable(str()),
  status: enumOf(SERVER_STATUSES),
});
