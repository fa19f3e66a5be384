import { Body } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';

/**
 * For routes that take no body: binds the body to EmptyDto (so `{"role": "admin"}` is refused
 * like on the MCP face) and documents the body as optional and empty.
 * Use `@NoBodyDoc()` on the method and `@NoBody() _body: EmptyDto` as a parameter.
 */
export const NoBody = (): ParameterDecorator => Body();

export const NoBodyDoc = (): MethodDecorator =>
  ApiBody({
    required: false,
    description: 'No body (an empty object is accepted; any field is refused).',
    schema: { type: 'object', properties: {}, additionalProperties: false },
  });
