/** Hooks for logging and metrics of tool calls; the monitoring module can provide its own. */
export interface McpCallObserver {
  toolCalled(name: string, isError: boolean, durationMs: number): void;
  toolFailed(name: string, error: unknown): void;
}

export const MCP_CALL_OBSERVER = Symbol('MCP_CALL_OBSERVER');
