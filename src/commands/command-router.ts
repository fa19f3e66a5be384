import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { ExecResult } from '../servers/ssh/ssh-connection';
import {
  COMMAND_ROUTES,
  CommandRoute,
  ExecutionMethod,
  RouteAvailability,
  RouteRunOptions,
} from './command-route';
import type { MethodChoice } from './dto/execute-command.dto';

export interface RoutedResult extends ExecResult {
  method: ExecutionMethod;
}

/**
 * Runs one command on a server by the first available route (the agent when connected, SSH
 * otherwise) or by the route the caller forces. SSH is the route of last resort: it is tried
 * even when the last status check failed, since the server may be back.
 */
@Injectable()
export class CommandRouter {
  constructor(@Inject(COMMAND_ROUTES) private readonly routes: CommandRoute[]) {}

  async methods(serverId: string): Promise<RouteAvailability[]> {
    const known = await Promise.all(this.routes.map((route) => route.availability(serverId)));
    const missing = (['agent', 'ssh'] as const)
      .filter((method) => !known.some((route) => route.method === method))
      .map((method) => ({
        method,
        available: false,
        reason: 'No agent is connected for this server (install_agent sets one up).',
      }));
    return [...known, ...missing].sort((a, b) => a.method.localeCompare(b.method));
  }

  async run(
    serverId: string,
    command: string,
    choice: MethodChoice,
    options: RouteRunOptions,
  ): Promise<RoutedResult> {
    const route = await this.pick(serverId, choice);
    return { ...(await route.run(serverId, command, options)), method: route.method };
  }

  private async pick(serverId: string, choice: MethodChoice): Promise<CommandRoute> {
    if (choice !== 'auto') {
      const route = this.routes.find((candidate) => candidate.method === choice);
      // SSH is tried whatever its last known status: no availability check to pay for.
      if (choice === 'ssh' && route) return route;
      const availability = route ? await route.availability(serverId) : null;
      if (choice === 'agent' && (!route || !availability?.available)) {
        throw new DomainError(
          'AGENT_OFFLINE',
          `${availability?.reason ?? 'No agent is connected for this server.'} Use method "ssh" or "auto".`,
        );
      }
      if (!route) throw new DomainError('UNAVAILABLE', `No ${choice} route is configured.`);
      return route;
    }
    for (const route of this.routes) {
      if (route.method === 'ssh') return route;
      if ((await route.availability(serverId)).available) return route;
    }
    throw new DomainError('UNAVAILABLE', 'No route can reach this server.');
  }
}
