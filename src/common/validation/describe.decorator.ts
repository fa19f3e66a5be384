import { JSONSchema } from 'class-validator-jsonschema';

/** A description of a DTO field, shown in the MCP inputSchema and the OpenAPI document. */
export const Describe =
  (description: string): PropertyDecorator =>
  (target, key) =>
    JSONSchema({ description })(target, String(key));
