import { ApiProperty } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { JsonSchema } from '../validation/json-schema';

type DtoClass = abstract new (...args: never[]) => object;
type PropertySchemas = { properties?: Record<string, JsonSchema>; required?: string[] };

let applied = false;

/** Every class that carries class-validator decorators. */
function dtoClasses(): Set<DtoClass> {
  const storage = getMetadataStorage() as unknown as {
    validationMetadatas: Map<DtoClass, unknown[]> | { target: DtoClass }[];
  };
  const metadatas = storage.validationMetadatas;
  const targets = new Set<DtoClass>();
  if (metadatas instanceof Map) for (const target of metadatas.keys()) targets.add(target);
  else
    for (const meta of metadatas) if (typeof meta.target === 'function') targets.add(meta.target);
  return targets;
}

/**
 * Gives @nestjs/swagger the properties of every DTO from its class-validator decorators, so the
 * OpenAPI document, REST validation and the MCP inputSchema all come from the DTO classes.
 */
export function applyDtoSwaggerProperties(): void {
  if (applied) return;
  applied = true;
  for (const target of dtoClasses()) {
    const schema = targetConstructorToSchema(target) as PropertySchemas;
    for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
      if ('$ref' in propertySchema) continue; // nested DTOs: swagger follows the design type
      const required = schema.required?.includes(property) ?? false;
      ApiProperty({ ...propertySchema, required })(target.prototype as object, property);
    }
  }
}
