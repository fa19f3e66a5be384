import { SetMetadata, Type } from '@nestjs/common';
import type { Access } from '../common/auth/roles';
import type { JsonSchema } from '../common/validation/json-schema';
import type { Toolset } from './toolsets';

export const MCP_TOOL_METADATA = 'tomo:mcp-tool';

/** The four MCP tool annotations; each tool states all of them. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface McpToolOptions {
  /** snake_case name from TOOLS.md: the public contract. */
  name: string;
  title?: string;
  description: string;
  /** Minimum role; `public` needs no credentials. */
  access: Access;
  toolset: Toolset;
  /** The DTO class REST validates too; its JSON Schema is the tool's inputSchema. */
  input: Type<object>;
  /** JSON Schema of the result when it has a fixed shape. */
  output?: JsonSchema & { type: 'object' };
  annotations: ToolAnnotations;
}

/**
 * Marks a provider method `(actor, input) => result` as an MCP tool. The decorator only
 * records metadata; McpToolRegistry discovers tools at bootstrap and refuses to start on a
 * duplicate name or an incomplete declaration.
 */
export const McpTool = (options: McpToolOptions): MethodDecorator =>
  SetMetadata(MCP_TOOL_METADATA, options);

/** Annotation presets for the common kinds of tool. */
export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
export const WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};
export const IDEMPOTENT_WRITE: ToolAnnotations = { ...WRITE, idempotentHint: true };
export const DESTRUCTIVE: ToolAnnotations = {
  ...WRITE,
  destructiveHint: true,
  idempotentHint: true,
};
