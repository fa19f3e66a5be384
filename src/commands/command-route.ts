import type { ServerEntity } from '../servers/server.entity';
import type { ExecResult } from '../servers/ssh/ssh-connection';

export type ExecutionMethod = 'agent' | 'ssh';

export interface RouteAvailability {
  method: ExecutionMethod;
  available: boolean;
  /** Why the route cannot be used now (null when it can). */
  reason: string | null;
}

export interface RouteRunOptions {
  timeoutMs: number;
  /** The server row the caller just read, so a route need not read it again. */
  server?: ServerEntity;
}

/**
 * One way of running a command on a server. The router holds them in preference order; the
 * agents module adds the agent route in front of SSH without the callers changing.
 */
export interface CommandRoute {
  readonly method: ExecutionMethod;
  availability(serverId: string): Promise<RouteAvailability>;
  run(serverId: string, command: string, options: RouteRunOptions): Promise<ExecResult>;
}

export const COMMAND_ROUTES = Symbol('COMMAND_ROUTES');
