import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../../config/app-config';
import { applyDtoSwaggerProperties } from './dto-swagger-properties';

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is the stable error code.',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'code', 'detail'],
};

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** The OpenAPI 3 document of the REST API, with sorted keys so the output is deterministic. */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  applyDtoSwaggerProperties();
  const options = new DocumentBuilder()
    .setTitle('Tomo API')
    .setDescription(
      'REST face of Tomo. Every operation is also an MCP tool at POST /mcp. Errors are application/problem+json with a `code`.',
    )
    .setOpenAPIVersion('3.1.0')
    .setVersion(config.version)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'A session JWT from POST /api/v1/auth/login or a personal API token (tomo_…).',
    })
    .build();
  const document = SwaggerModule.createDocument(app, options, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  document.components = {
    ...document.components,
    schemas: { ...(document.components?.schemas ?? {}), Problem: PROBLEM_SCHEMA },
  };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as { responses?: Record<string, unknown> }[]) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      operation.responses = {
        ...operation.responses,
        default: {
          description: 'Error (problem+json)',
          content: {
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          },
        },
      };
    }
  }
  return sortKeys(document) as OpenAPIObject;
}
