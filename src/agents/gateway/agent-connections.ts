import { Injectable } from '@nestjs/common';
import type { AgentConnection } from './agent-connection';

/**
 * Which agents have a socket on this process. Behind this class so that a multi-replica
 * deployment can look agents up across replicas (DESIGN "Scale-out path").
 */
@Injectable()
export class AgentConnections {
  private readonly byAgent = new Map<string, AgentConnection>();
  private readonly byServer = new Map<string, AgentConnection>();

  /** Registers a connection; returns the one it replaces, if any. */
  add(connection: AgentConnection): AgentConnection | undefined {
    const previous = this.byAgent.get(connection.agentId);
    this.byAgent.set(connection.agentId, connection);
    this.byServer.set(connection.serverId, connection);
    return previous;
  }

  /** Forgets a connection if it is still the current one for its agent. */
  remove(connection: AgentConnection): boolean {
    if (this.byAgent.get(connection.agentId) !== connection) return false;
    this.byAgent.delete(connection.agentId);
    this.byServer.delete(connection.serverId);
    return true;
  }

  forAgent(agentId: string): AgentConnection | undefined {
    return this.byAgent.get(agentId);
  }

  forServer(serverId: string): AgentConnection | undefined {
    const connection = this.byServer.get(serverId);
    return connection?.isOpen ? connection : undefined;
  }

  all(): AgentConnection[] {
    return [...this.byAgent.values()];
  }
}
