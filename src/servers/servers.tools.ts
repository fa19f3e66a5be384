import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import {
  DESTRUCTIVE,
  IDEMPOTENT_WRITE,
  McpTool,
  READ_ONLY,
  ToolAnnotations,
  WRITE,
} from '../mcp/mcp-tool.decorator';
import { AddServerDto, ListServersDto, ServerIdDto, UpdateServerDto } from './dto/server.dto';
import { ServersService } from './servers.service';
import { CONNECTION_TEST_SCHEMA, SERVER_LIST_SCHEMA, SERVER_SCHEMA } from './servers.views';

/** Tools that reach out to a server over SSH touch the world outside Tomo. */
export const REACHES_SERVER: ToolAnnotations = { ...WRITE, openWorldHint: true };

@Injectable()
export class ServersTools {
  constructor(private readonly servers: ServersService) {}

  @McpTool({
    name: 'add_server',
    description:
      'Add a server reached over SSH. Tests the connection, pins the host key (trust on first use) and detects OS, architecture and Docker. The server is stored even when the test fails (status shows why). The credential is write-only.',
    access: 'admin',
    toolset: 'servers',
    input: AddServerDto,
    output: SERVER_SCHEMA,
    annotations: REACHES_SERVER,
  })
  addServer(actor: Actor, input: AddServerDto) {
    return this.servers.add(actor, input);
  }

  @McpTool({
    name: 'list_servers',
    description: 'List servers by name, optionally only those with one status.',
    access: 'readonly',
    toolset: 'servers',
    input: ListServersDto,
    output: SERVER_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listServers(_actor: Actor, input: ListServersDto) {
    return this.servers.list(input);
  }

  @McpTool({
    name: 'get_server',
    description: 'One server with its status, pinned host key fingerprint, OS and Docker facts.',
    access: 'readonly',
    toolset: 'servers',
    input: ServerIdDto,
    output: SERVER_SCHEMA,
    annotations: READ_ONLY,
  })
  getServer(_actor: Actor, input: ServerIdDto) {
    return this.servers.get(input);
  }

  @McpTool({
    name: 'update_server',
    description:
      "Change a server's name, address, login or credential. A new hostname or port drops the pinned host key; any connection change re-tests the server.",
    access: 'admin',
    toolset: 'servers',
    input: UpdateServerDto,
    output: SERVER_SCHEMA,
    annotations: { ...IDEMPOTENT_WRITE, openWorldHint: true },
  })
  updateServer(actor: Actor, input: UpdateServerDto) {
    return this.servers.update(actor, input);
  }

  @McpTool({
    name: 'remove_server',
    description: 'Remove a server from the inventory (nothing on the server itself is changed).',
    access: 'admin',
    toolset: 'servers',
    input: ServerIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  removeServer(actor: Actor, input: ServerIdDto) {
    return this.servers.remove(actor, input);
  }

  @McpTool({
    name: 'test_connection',
    description:
      'Connect to the server now: checks the pinned host key, logs in, refreshes status, OS and Docker facts. A failed test is a result with success false and the reason.',
    access: 'user',
    toolset: 'servers',
    input: ServerIdDto,
    output: CONNECTION_TEST_SCHEMA,
    annotations: { ...REACHES_SERVER, idempotentHint: true },
  })
  testConnection(actor: Actor, input: ServerIdDto) {
    return this.servers.testConnection(actor, input);
  }

  @McpTool({
    name: 'accept_host_key',
    description:
      'Trust the new host key a server offered after its pinned key stopped matching (status host_key_changed). Only that exact key is pinned; check the fingerprint in get_server first.',
    access: 'admin',
    toolset: 'servers',
    input: ServerIdDto,
    output: SERVER_SCHEMA,
    annotations: { ...REACHES_SERVER, destructiveHint: true },
  })
  acceptHostKey(actor: Actor, input: ServerIdDto) {
    return this.servers.acceptHostKey(actor, input);
  }
}
