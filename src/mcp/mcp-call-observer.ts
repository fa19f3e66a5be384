/** Called after every tools/call with the tool name, whether it failed and how long it took. */
export type ToolCallListener = (name: string, isError: boolean, durationMs: number) => void;

/** Hooks for logging and metrics of tool calls; the monitoring module counts calls through it. */
export interface McpCallObserver {
  toolCalled(name: string, isError: boolean, durationMs: number): void;
  toolFailed(name: string, error: unknown): void;
  /** Adds a listener of every call (the monitoring module's counters for /metrics). */
  onToolCalled(listener: ToolCallListener): void;
}

export const MCP_CALL_OBSERVER = Symbol('MCP_CALL_OBSERVER');
