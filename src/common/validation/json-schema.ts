import { Type } from '@nestjs/common';
import {
  targetConstructorToSchema,
  validationMetadatasToSchemas,
} from 'class-validator-jsonschema';

/** A JSON Schema object (draft 2020-12 subset used by MCP and OpenAPI 3.1). */
export type JsonSchema = { [key: string]: unknown };

const REF_PREFIX = '#/definitions/';
let definitions: Record<string, JsonSchema> | undefined;

/** Drops the cache; only needed when classes are declared after the first call (tests). */
export function resetJsonSchemaCache(): void {
  definitions = undefined;
}

function allDefinitions(): Record<string, JsonSchema> {
  definitions ??= validationMetadatasToSchemas({ refPointerPrefix: REF_PREFIX }) as Record<
    string,
    JsonSchema
  >;
  return definitions;
}

function inline(schema: unknown, seen: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inline(item, seen));
  if (schema === null || typeof schema !== 'object') return schema;
  const object = schema as JsonSchema;
  const ref = object.$ref;
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
    const name = ref.slice(REF_PREFIX.length);
    if (seen.has(name))
      throw new Error(`DTO ${name} refers to itself; recursive DTOs are not supported.`);
    return inline(allDefinitions()[name] ?? { type: 'object' }, new Set([...seen, name]));
  }
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => [key, inline(value, seen)]),
  );
}

/**
 * The JSON Schema of a DTO class, derived from its class-validator decorators: the one source
 * of truth for REST validation, the OpenAPI document and the MCP `inputSchema`.
 */
export function dtoJsonSchema(dtoClass: Type<object>): JsonSchema & { type: 'object' } {
  // targetConstructorToSchema follows inheritance (a DTO that only extends PaginationDto).
  const own = targetConstructorToSchema(dtoClass, { refPointerPrefix: REF_PREFIX }) as JsonSchema;
  const schema = inline(own, new Set([dtoClass.name])) as JsonSchema;
  return { properties: {}, ...schema, type: 'object', additionalProperties: false };
}
