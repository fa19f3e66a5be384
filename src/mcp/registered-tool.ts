import type { Actor } from '../common/auth/principal';
import type { JsonSchema } from '../common/validation/json-schema';
import type { McpToolOptions } from './mcp-tool.decorator';

/** A discovered tool: its declaration, schemas computed once, and how to call it. */
export interface RegisteredTool {
  options: McpToolOptions;
  inputSchema: JsonSchema;
  /** The tools/list entry, built once at startup. */
  listing: ListedTool;
  invoke: (actor: Actor, input: object) => Promise<unknown>;
}

export interface ListedTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: JsonSchema & { type: 'object' };
  outputSchema?: JsonSchema & { type: 'object' };
  annotations: McpToolOptions['annotations'];
}
