import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { JsonSchema } from '../validation/json-schema';

/** Documents a route's success body with the same schema the MCP tool declares as outputSchema. */
export const ApiResult = (schema: JsonSchema, status = 200): MethodDecorator =>
  applyDecorators(ApiResponse({ status, description: 'Success', schema: schema }));
