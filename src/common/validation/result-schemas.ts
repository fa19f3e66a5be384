import type { JsonSchema } from './json-schema';

/** Small helpers to write result (output) schemas once, for MCP outputSchema and OpenAPI. */
export const str = (format?: string): JsonSchema =>
  format ? { type: 'string', format } : { type: 'string' };
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
export const int = (): JsonSchema => ({ type: 'integer' });
export const bool = (): JsonSchema => ({ type: 'boolean' });
export const enumOf = (values: readonly string[]): JsonSchema => ({
  type: 'string',
  enum: [...values],
});

export function objectSchema(
  properties: Record<string, JsonSchema>,
  optional: string[] = [],
): JsonSchema & { type: 'object' } {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
  };
}

export const listSchema = (item: JsonSchema): JsonSchema & { type: 'object' } =>
  objectSchema({ items: { type: 'array', items: item }, total: int() });

export const SUCCESS_SCHEMA = objectSchema({ success: bool() });
