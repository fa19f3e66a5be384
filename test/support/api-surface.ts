import fc from 'fast-check';
import {
  ObjectSchema,
  plausible,
  PropertySchema,
  PROTOTYPE_KEYS,
  urlString,
} from './hostile-input';
import { rawMcpToolCall } from './raw-mcp';
import type { HttpResult, TestTomo } from './tomo-harness';

/** One REST operation as the OpenAPI document describes it. */
export interface RestOperation {
  key: string;
  method: string;
  path: string;
  pathParams: string[];
  query: ObjectSchema;
  /** null: the route reads no body, so every body field is unknown to it. */
  body: ObjectSchema | null;
}

interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: PropertySchema;
}

/** Every operation of the OpenAPI document, with path, query and body schemas resolved. */
export function restOperations(document: any): RestOperation[] {
  const components = (document.components?.schemas ?? {}) as Record<string, ObjectSchema>;
  const operations: RestOperation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, operation] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = (operation.parameters ?? []) as OpenApiParameter[];
      const query: ObjectSchema = { properties: {}, required: [] };
      for (const parameter of parameters.filter((p) => p.in === 'query')) {
        query.properties![parameter.name] = parameter.schema ?? {};
        if (parameter.required) query.required!.push(parameter.name);
      }
      const ref: string | undefined =
        operation.requestBody?.content?.['application/json']?.schema?.$ref;
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query,
        body: ref ? (components[ref.split('/').pop()!] ?? {}) : null,
      });
    }
  }
  return operations;
}

export function fillPath(template: string, values: string[]): string {
  let index = 0;
  return template.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[index++] ?? ''));
}

/** Query values as Express sees them: strings, or arrays when a key repeats. */
export type Query = Record<string, string | string[]>;

export function queryArguments(schema: ObjectSchema): fc.Arbitrary<Query> {
  const names = Object.keys(schema.properties ?? {});
  const value = (property: PropertySchema): fc.Arbitrary<string | string[]> =>
    fc.oneof(
      plausible(property).map(String),
      urlString,
      fc.constantFrom('-1', '1e999', '0x10', 'NaN', '1.5', '9007199254740993', 'true', 'null'),
      fc.array(urlString, { minLength: 2, maxLength: 3 }),
    );
  const fields = fc.tuple(
    ...names.map((name) =>
      fc
        .option(value(schema.properties![name]!), { nil: undefined })
        .map((v): [string, string | string[] | undefined] => [name, v]),
    ),
  );
  const extraKey = fc
    .oneof(fc.constantFrom('role', 'id', 'user_id'), fc.string({ maxLength: 12 }))
    .filter((key) => !names.includes(key) && !PROTOTYPE_KEYS.includes(key));
  const extras = fc.array(fc.tuple(extraKey, fc.string({ maxLength: 20 })), { maxLength: 2 });
  // Node answers a request line over 16 KiB itself (431), before Tomo sees it: stay below.
  return fc
    .tuple(fields, extras)
    .map(([f, e]) => {
      const query: Query = {};
      for (const [key, v] of [...f, ...e]) if (v !== undefined) query[key] = v;
      return query;
    })
    .filter((query) => queryString(query).length < 12_000);
}

export function queryString(query: Query): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** What is wrong with a REST answer to bad input: a 5xx, or an error that is not problem+json. */
export function restProblem(response: HttpResult): string | undefined {
  if (response.status >= 500) return `status ${response.status}: ${JSON.stringify(response.body)}`;
  if (response.status < 400) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json') || typeof response.body?.code !== 'string')
    return `status ${response.status} without problem+json code (${type})`;
  return undefined;
}

/**
 * tools/call with arguments the official client refuses to send (arrays, null, strings),
 * as raw JSON-RPC. Returns whether Tomo refused it and what is wrong with the answer.
 */
export async function rawToolCall(
  tomo: TestTomo,
  token: string,
  name: string,
  args: unknown,
): Promise<{ rejected: boolean; problem?: string }> {
  const { status, text, message } = await rawMcpToolCall(tomo.url, token, name, args);
  if (status >= 500) return { rejected: true, problem: `HTTP ${status}` };
  if (typeof message !== 'object' || message === null) {
    return { rejected: status >= 400, problem: `not JSON-RPC: ${text.slice(0, 200)}` };
  }
  if (message.error) return { rejected: true };
  const code = message.result?.structuredContent?.code;
  if (!message.result?.isError) return { rejected: false };
  return {
    rejected: true,
    problem: typeof code === 'string' && code !== 'INTERNAL' ? undefined : `code ${code}`,
  };
}
