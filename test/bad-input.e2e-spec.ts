import type { Client } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import {
  fillPath,
  queryArguments,
  queryString,
  rawToolCall,
  restOperations,
  RestOperation,
  restProblem,
} from './support/api-surface';
import { DbProbe } from './support/db-probe';
import { hostileArguments, ObjectSchema, surelyInvalid, urlString } from './support/hostile-input';
import { ADMIN_USERNAME, GOOD_PASSWORD, TestTomo } from './support/tomo-harness';

/**
 * "Bad input on every tool and route: 4xx or isError, never a 500, nothing written."
 * Inputs are generated with fast-check from each operation's declared schema.
 */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const TIMEOUT = 300_000;
const VICTIM = 'pat-victim';

/** Operations on the caller's own login; each has its own test below. */
const EXPLICIT_TOOLS = new Set(['login', 'logout', 'create_initial_admin', 'change_password']);
const UUID_PATTERN = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;
/** Path parameters that are names rather than ids, with the grammar their routes accept. */
const NAMED_PATH_PARAMS: Record<string, (value: string) => boolean> = {
  scope: (value) => value === 'system' || value === 'user',
  key: (value) => /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(value),
  source: (value) => value.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/.test(value),
};

function validPathParam(name: string, value: string): boolean {
  const rule = NAMED_PATH_PARAMS[name];
  return rule ? rule(value) : UUID_PATTERN.test(value);
}

const EXPLICIT_ROUTES = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'POST /api/v1/setup',
  'POST /api/v1/auth/password',
]);

interface Outcome {
  /** The input certainly breaks the declared schema, so it must be refused. */
  invalid: boolean;
  /** Tomo refused the call (4xx or isError). */
  rejected: boolean;
  /** What is wrong with the answer itself (5xx, INTERNAL, no code), if anything. */
  problem?: string;
}

/** What a refused login may leave behind: a failure counter and, after enough, a lock. */
const LOGIN_TRACES = { lockCounters: true, auditActions: ['account.locked'] };

describe('bad input on every tool and route: 4xx or isError, never a 500, nothing written', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let db: DbProbe;
  let admin: Client;
  let operations: RestOperation[];
  let tools: { name: string; inputSchema: ObjectSchema }[];
  const schemaOf = (name: string): ObjectSchema =>
    tools.find((t) => t.name === name)?.inputSchema ?? {};

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
    await tomo.createUser(VICTIM, 'user', adminToken);
    db = new DbProbe(tomo.dataDirectory);
    admin = await tomo.mcp(adminToken, '2026');
    tools = (await admin.listTools()).tools as typeof tools;
    operations = restOperations((await tomo.request('GET', '/api/openapi.json')).body);
  });

  afterAll(async () => {
    await admin.close();
    db.close();
    await tomo.stop();
  });

  /**
   * Makes one call and checks its outcome: no 5xx or INTERNAL, invalid input refused, and a
   * refused call wrote nothing (account tables unchanged, new audit rows only failures).
   */
  async function expectNothingWritten(
    call: () => Promise<Outcome>,
    allow: { lockCounters?: boolean; auditActions?: string[] } = {},
  ): Promise<void> {
    const before = db.fingerprint();
    const head = db.auditHead();
    const outcome = await call();
    if (outcome.problem) throw new Error(outcome.problem);
    if (outcome.invalid && !outcome.rejected) throw new Error('invalid input was accepted');
    if (!outcome.rejected) return;
    const changed = DbProbe.changedTables(before, db.fingerprint()).filter(
      (table) => !(allow.lockCounters && table === 'account_locks'),
    );
    if (changed.length) throw new Error(`a refused call changed ${changed.join(', ')}`);
    const written = db
      .auditSince(head)
      .filter((row) => row.result !== 'failure' && !allow.auditActions?.includes(row.action));
    if (written.length) throw new Error(`a refused call audited ${JSON.stringify(written)}`);
  }

  async function rest(
    method: string,
    path: string,
    options: Parameters<TestTomo['request']>[2],
    invalid: boolean,
  ): Promise<Outcome> {
    const response = await tomo.request(method, path, { token: adminToken, ...options });
    return { invalid, rejected: response.status >= 400, problem: restProblem(response) };
  }

  async function tool(
    name: string,
    args: unknown,
    invalid: boolean,
    client = admin,
    token = adminToken,
  ): Promise<Outcome> {
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      return { invalid, ...(await rawToolCall(tomo, token, name, args)) };
    const result = await client.callTool({ name, arguments: args as Record<string, unknown> });
    if (!result.isError) return { invalid, rejected: false };
    const code = (result.structuredContent as { code?: unknown } | undefined)?.code;
    const problem =
      typeof code === 'string' && code !== 'INTERNAL'
        ? undefined
        : `isError without a proper code: ${JSON.stringify(result.structuredContent)}`;
    return { invalid, rejected: true, problem };
  }

  /** A query string carries only text: "true" and "false" are how a boolean parameter is written. */
  function asQueryReads(schema: ObjectSchema, query: Record<string, unknown>) {
    return Object.fromEntries(
      Object.entries(query).map(([name, value]) => {
        const boolean = schema.properties?.[name]?.type === 'boolean';
        return [
          name,
          boolean && (value === 'true' || value === 'false') ? value === 'true' : value,
        ];
      }),
    );
  }

  /** Runs one property per operation and collects every counterexample instead of stopping. */
  async function fuzz<T>(
    failures: string[],
    label: string,
    arbitrary: fc.Arbitrary<T>,
    check: (input: T) => Promise<void>,
  ): Promise<void> {
    try {
      await fc.assert(fc.asyncProperty(arbitrary, check), { numRuns: FUZZ_RUNS });
    } catch (error) {
      failures.push(`${label}: ${describeFailure(error as Error)}`);
    }
  }

  it(
    'REST: hostile path, query and body values give a 4xx problem+json and write nothing',
    async () => {
      const failures: string[] = [];
      for (const op of operations.filter((o) => !EXPLICIT_ROUTES.has(o.key))) {
        const validatesQuery = Object.keys(op.query.properties ?? {}).length > 0;
        const arbitrary = fc.record({
          // An empty segment turns `/servers/{id}` into `/servers/`, which is the list route.
          params: fc.tuple(
            ...op.pathParams.map(() =>
              fc.oneof(
                fc.uuid(),
                urlString.filter((p) => p !== ''),
              ),
            ),
          ),
          query: op.method === 'GET' ? queryArguments(op.query) : fc.constant({}),
          body: op.method === 'GET' ? fc.constant(undefined) : hostileArguments(op.body ?? {}),
        });
        await fuzz(failures, op.key, arbitrary, async ({ params, query, body }) => {
          const invalid =
            params.some((p, i) => !validPathParam(op.pathParams[i]!, p)) ||
            (validatesQuery && surelyInvalid(op.query, asQueryReads(op.query, query))) ||
            (body !== undefined && surelyInvalid(op.body ?? {}, body));
          const path = fillPath(op.path, params) + queryString(query);
          await expectNothingWritten(() => rest(op.method, path, { body }, invalid));
        });
      }
      expect(failures).toEqual([]);
    },
    TIMEOUT,
  );

  it('a URL too long for the HTTP parser gets a 431 problem+json with a code', async () => {
    const response = await fetch(`${tomo.url}/api/v1/apps?server_id=${'a'.repeat(20_000)}`);
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 431, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('REST: a non-JSON body gives 400 and a body over 1 MiB gives 413, on every route', async () => {
    const failures: string[] = [];
    const huge = JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 1) });
    const bodies: [string, number][] = [
      ['{"username": "a", ', 400],
      ["{'single': 'quotes'}", 400],
      ['\u0000\u0001 binary', 400],
      [huge, 413],
    ];
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      const path = fillPath(
        op.path,
        op.pathParams.map(() => randomUUID()),
      );
      for (const [rawBody, status] of bodies) {
        await expectNothingWritten(async () => {
          const headers = { 'content-type': 'application/json' };
          const response = await tomo.request(op.method, path, { rawBody, headers });
          const code: unknown = response.body?.code;
          if (response.status !== status || (status === 413 && code !== 'PAYLOAD_TOO_LARGE'))
            failures.push(`${op.key} ${rawBody.slice(0, 20)}: ${response.status} ${String(code)}`);
          const problem = restProblem(response);
          if (problem) failures.push(`${op.key}: ${problem}`);
          return { invalid: true, rejected: response.status >= 400 };
        }).catch((error: Error) => failures.push(`${op.key}: ${error.message}`));
      }
    }
    expect(failures).toEqual([]);
  });

  it(
    'MCP: hostile arguments give isError with a code (never INTERNAL) and write nothing',
    async () => {
      const failures: string[] = [];
      for (const { name, inputSchema } of tools.filter((t) => !EXPLICIT_TOOLS.has(t.name))) {
        await fuzz(failures, name, hostileArguments(inputSchema), async (args) => {
          await expectNothingWritten(() => tool(name, args, surelyInvalid(inputSchema, args)));
        });
      }
      expect(failures).toEqual([]);
    },
    TIMEOUT,
  );

  it('keys that reach Object.prototype are refused like any unknown key and pollute nothing', async () => {
    const failures: string[] = [];
    const payloads = [
      '{"__proto__": {"polluted": true, "role": "admin"}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      '{"prototype": {"polluted": true}}',
    ].map((text) => JSON.parse(text) as Record<string, unknown>);
    const record = (label: string) => (error: Error) => failures.push(`${label}: ${error.message}`);
    for (const payload of payloads) {
      const label = Object.keys(payload)[0]!;
      for (const { name } of tools.filter((t) => !EXPLICIT_TOOLS.has(t.name)))
        await expectNothingWritten(() => tool(name, payload, true)).catch(
          record(`${name} ${label}`),
        );
      for (const op of operations.filter((o) => !EXPLICIT_ROUTES.has(o.key))) {
        const path = fillPath(
          op.path,
          op.pathParams.map(() => randomUUID()),
        );
        if (op.body)
          await expectNothingWritten(() => rest(op.method, path, { body: payload }, true)).catch(
            record(`${op.key} body ${label}`),
          );
        if (Object.keys(op.query.properties ?? {}).length)
          await expectNothingWritten(() =>
            rest(op.method, `${path}?${label}[polluted]=1&${label}=x`, {}, true),
          ).catch(record(`${op.key} query ${label}`));
      }
    }
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it(
    'login: hostile credentials are refused on both faces; only failed logins are recorded',
    async () => {
      const failures: string[] = [];
      const notARealUser = (args: unknown): unknown => {
        const record = args as { username?: unknown } | null;
        if (
          typeof record?.username === 'string' &&
          /^\s*(admin|pat-victim)\s*$/i.test(record.username)
        )
          record.username = `no-${record.username}`;
        return args;
      };
      const arbitrary = hostileArguments(schemaOf('login')).map(notARealUser);
      await fuzz(failures, 'login (MCP)', arbitrary, (args) =>
        expectNothingWritten(() => tool('login', args, true), LOGIN_TRACES),
      );
      await fuzz(failures, 'POST /api/v1/auth/login', arbitrary, (body) =>
        expectNothingWritten(
          () => rest('POST', '/api/v1/auth/login', { body, token: undefined }, true),
          LOGIN_TRACES,
        ),
      );
      expect(failures).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'logout: hostile arguments are refused and the session stays open',
    async () => {
      const failures: string[] = [];
      let token = await tomo.login();
      let client = await tomo.mcp(token, '2026');
      const renewIfLoggedOut = async (): Promise<void> => {
        if ((await tomo.request('GET', '/api/v1/auth/me', { token })).status !== 401) return;
        await client.close();
        token = await tomo.login();
        client = await tomo.mcp(token, '2026');
      };
      const empty: ObjectSchema = schemaOf('logout');
      await fuzz(failures, 'logout (MCP)', hostileArguments(empty), async (args) => {
        const invalid = surelyInvalid(empty, args);
        await expectNothingWritten(() => tool('logout', args, invalid, client, token)).finally(
          renewIfLoggedOut,
        );
      });
      await fuzz(failures, 'POST /api/v1/auth/logout', hostileArguments(empty), async (body) => {
        const invalid = surelyInvalid(empty, body);
        await expectNothingWritten(() =>
          rest('POST', '/api/v1/auth/logout', { body, token }, invalid),
        ).finally(renewIfLoggedOut);
      });
      await client.close();
      expect(failures).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'create_initial_admin: the closed first-run door stays closed for any input',
    async () => {
      const failures: string[] = [];
      const arbitrary = hostileArguments(schemaOf('create_initial_admin'));
      await fuzz(failures, 'create_initial_admin (MCP)', arbitrary, (args) =>
        expectNothingWritten(() => tool('create_initial_admin', args, true)),
      );
      await fuzz(failures, 'POST /api/v1/setup', arbitrary, (body) =>
        expectNothingWritten(() => rest('POST', '/api/v1/setup', { body, token: undefined }, true)),
      );
      expect(failures).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'change_password: hostile input is refused; the password and the sessions stay',
    async () => {
      const failures: string[] = [];
      const token = await tomo.login(VICTIM, GOOD_PASSWORD);
      const client = await tomo.mcp(token, '2026');
      // The generated current_password is never the real one, so every call must be refused.
      const arbitrary = hostileArguments(schemaOf('change_password'));
      await fuzz(failures, 'change_password (MCP)', arbitrary, (args) =>
        expectNothingWritten(() => tool('change_password', args, true, client, token)),
      );
      await fuzz(failures, 'POST /api/v1/auth/password', arbitrary, (body) =>
        expectNothingWritten(() => rest('POST', '/api/v1/auth/password', { body, token }, true)),
      );
      await client.close();
      expect((await tomo.request('GET', '/api/v1/auth/me', { token })).body?.username).toBe(VICTIM);
      expect(failures).toEqual([]);
    },
    TIMEOUT,
  );

  it('afterwards the database is intact, the audit chain verifies and the admin still works', async () => {
    expect(db.integrityCheck()).toBe('ok');
    const verification = await tomo.request('POST', '/api/v1/audit/verify', { token: adminToken });
    expect(verification.status).toBe(200);
    expect(verification.body).toMatchObject({ valid: true, first_invalid_id: null });
    const me = await tomo.request('GET', '/api/v1/auth/me', { token: adminToken });
    expect(me.body).toMatchObject({ username: ADMIN_USERNAME, role: 'admin', is_active: true });
  });
});

/** The reason and the (shortened) counterexample of a fast-check failure. */
function describeFailure(error: Error & { cause?: unknown }): string {
  const reason =
    error.cause instanceof Error
      ? error.cause.message
      : (/Got error: (.*)/.exec(error.message)?.[1] ?? error.message.split('\n')[0]);
  const input = /Counterexample: (.*)/.exec(error.message)?.[1] ?? '';
  const short = input.replace(/(.)\1{24,}/g, (run, c: string) => `${c}…(${run.length}×)`);
  return `${reason}; input ${short.slice(0, 300)}`;
}
