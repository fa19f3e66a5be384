/**
 * Where the server view's `agent_status` comes from. The agents module sits above servers, so
 * it provides this (globally) rather than servers importing it; without it the field is null.
 */
export interface AgentStatusSource {
  statuses(serverIds: string[]): Promise<Map<string, string>>;
}

export const AGENT_STATUS_SOURCE = Symbol('AGENT_STATUS_SOURCE');
