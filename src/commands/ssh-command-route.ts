import { Injectable } from '@nestjs/common';
import { ServerConnector } from '../servers/server-connector';
import type { ExecResult } from '../servers/ssh/ssh-connection';
import { CommandRoute, RouteAvailability, RouteRunOptions } from './command-route';

/** Commands over the server's pooled SSH connection. */
@Injectable()
export class SshCommandRoute implements CommandRoute {
  readonly method = 'ssh' as const;

  constructor(private readonly connector: ServerConnector) {}

  /** From the last known status: no connection is opened to answer. */
  async availability(serverId: string): Promise<RouteAvailability> {
    const server = await this.connector.load(serverId);
    const available = server.status === 'online';
    return {
      method: 'ssh',
      available,
      reason: available ? null : (server.statusError ?? `Server status is ${server.status}.`),
    };
  }

  run(serverId: string, command: string, options: RouteRunOptions): Promise<ExecResult> {
    return this.connector.run(serverId, command, {
      timeoutMs: options.timeoutMs,
      server: options.server,
    });
  }
}
