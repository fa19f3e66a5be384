import type { Client } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { auditHash } from '../src/audit/audit-chain';
import { ADMIN_PASSWORD, ADMIN_USERNAME, TestTomo } from './support/tomo-harness';

type Face = 'rest' | 'mcp';
const USER_AGENT = (face: Face) => `tomo-audit-e2e/1.0 (${face}; +https://example.test)`;
/** Every password and token sent in this file; none may ever reach the audit table. */
const SECRETS: string[] = [ADMIN_PASSWORD];
function password(words: string): string {
  SECRETS.push(words);
  return words;
}

/** An audit entry as the API returns it (snake_case fields). */
type Entry = Record<string, any> & { id: string; timestamp: string };
type Page = { items: Entry[]; total: number };

/** The JSON a tool returned (structuredContent), failing on an error result. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as any;
}

/** The REST route of each MCP tool used here: [method, path, body]. */
const ROUTES: Record<string, (args: Record<string, any>) => [string, string, unknown?]> = {
  login: (a) => ['POST', '/api/v1/auth/login', a],
  create_user: (a) => ['POST', '/api/v1/users', a],
  update_user: ({ user_id, ...a }) => ['PATCH', `/api/v1/users/${user_id}`, a],
  reset_user_password: ({ user_id, ...a }) => ['POST', `/api/v1/users/${user_id}/password`, a],
  delete_user: ({ user_id }) => ['DELETE', `/api/v1/users/${user_id}`],
  create_api_token: (a) => ['POST', '/api/v1/api-tokens', a],
  revoke_api_token: ({ token_id }) => ['DELETE', `/api/v1/api-tokens/${token_id}`],
};

describe('audit log: every write is recorded with its actor and interface', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let adminId: string;
  const clients = new Map<string, Client>();

  const audit = async (query = ''): Promise<Page> => {
    const response = await tomo.request<Page>('GET', `/api/v1/audit?${query}`, {
      token: adminToken,
    });
    expect(response.status).toBe(200);
    return response.body;
  };

  /** Calls one operation through REST or MCP with the face's User-Agent; `ok` and the JSON body. */
  async function operate(
    face: Face,
    token: string | null,
    tool: string,
    args: Record<string, any>,
  ) {
    if (face === 'rest') {
      const [method, path, body] = ROUTES[tool]!(args);
      const headers = { 'user-agent': USER_AGENT(face) };
      const response = await tomo.request(method, path, {
        token: token ?? undefined,
        body,
        headers,
      });
      return { ok: response.status < 300, body: response.body };
    }
    const key = token ?? 'anonymous';
    if (!clients.has(key))
      clients.set(key, await tomo.mcp(token, '2026', { 'user-agent': USER_AGENT(face) }));
    const result = await clients.get(key)!.callTool({ name: tool, arguments: args });
    return { ok: !result.isError, body: result.structuredContent as any };
  }

  /** Runs one operation, expects exactly one new audit row, matching `expected(body)`. */
  async function expectAudit(
    run: () => Promise<{ ok: boolean; body: any }>,
    expected: (body: any) => object,
  ) {
    const before = (await audit('limit=1')).total;
    const result = await run();
    const after = await audit('limit=1');
    expect(after.total).toBe(before + 1);
    expect(after.items[0]).toMatchObject(expected(result.body));
    return result;
  }

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
    adminId = (await tomo.request('GET', '/api/v1/auth/me', { token: adminToken })).body.id;
    SECRETS.push(adminToken);
  });
  afterAll(async () => {
    for (const client of clients.values()) await client.close();
    await tomo.stop();
  });

  describe.each<Face>(['rest', 'mcp'])('through %s', (face) => {
    const via = { interface: face, ip_address: '127.0.0.1', user_agent: USER_AGENT(face) };
    /** An entry for something the admin did through this face. */
    const byAdmin = (fields: object) => ({
      ...{ ...via, actor_type: 'user', actor_id: adminId, actor_name: 'admin', result: 'success' },
      ...fields,
    });
    const run =
      (tool: string, args: Record<string, unknown>, token: string | null = adminToken) =>
      () =>
        operate(face, token, tool, args);

    it('records a login and failed logins (wrong password, unknown user)', async () => {
      const login = run('login', { username: 'admin', password: ADMIN_PASSWORD }, null);
      const ok = await expectAudit(login, () =>
        byAdmin({ action: 'auth.login', target_type: 'session' }),
      );
      expect(ok.ok).toBe(true);
      SECRETS.push(ok.body.token);
      for (const username of [ADMIN_USERNAME, `nobody-${face}`]) {
        const wrong = password(`wrong horse battery ${username}`);
        const refused = await expectAudit(
          run('login', { username, password: wrong }, null),
          () => ({
            ...{ ...via, action: 'auth.login', result: 'failure', actor_type: 'user' },
            ...{ actor_id: null, actor_name: username },
          }),
        );
        expect(refused.ok).toBe(false);
      }
    });

    it('records user and API token writes, by a user and by an API token', async () => {
      const carol = { username: `${face}-carol`, role: 'user' };
      const secret = password(`a quiet lantern over the ${face} river`);
      const user = await expectAudit(run('create_user', { ...carol, password: secret }), (body) =>
        byAdmin({ action: 'user.created', target_id: body.id, details: carol }),
      );
      expect(user.ok).toBe(true);
      const user_id = user.body.id as string;
      const target = { target_type: 'user', target_id: user_id };
      const role = { from: 'user', to: 'readonly' };
      await expectAudit(run('update_user', { user_id, role: 'readonly' }), () =>
        byAdmin({ ...target, action: 'user.updated', details: { changes: { role } } }),
      );
      const new_password = password(`seven ${face} herons crossing dawn`);
      await expectAudit(run('reset_user_password', { user_id, new_password }), () =>
        byAdmin({ ...target, action: 'user.password_reset' }),
      );
      const token = await expectAudit(run('create_api_token', { name: `${face}-ci` }), (body) =>
        byAdmin({ action: 'api_token.created', target_type: 'api_token', target_id: body.id }),
      );
      SECRETS.push(token.body.token);
      const dave = { username: `${face}-dave`, role: 'readonly' };
      const daveSecret = password(`bees hum behind the ${face} mill`);
      await expectAudit(
        run('create_user', { ...dave, password: daveSecret }, token.body.token),
        (body) => ({
          ...{ ...via, action: 'user.created', target_id: body.id, actor_type: 'api_token' },
          ...{ actor_id: token.body.id, actor_name: 'admin' },
        }),
      );
      await expectAudit(run('revoke_api_token', { token_id: token.body.id }), () =>
        byAdmin({ action: 'api_token.revoked', target_id: token.body.id }),
      );
      await expectAudit(run('delete_user', { user_id }), () =>
        byAdmin({ ...target, action: 'user.deleted' }),
      );
    });
  });

  it('never stores a password or a token, in any column of the raw table', () => {
    const db = new Database(join(tomo.dataDirectory, 'tomo.db'), { readonly: true });
    try {
      const raw = JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
      expect(raw.length).toBeGreaterThan(1000);
      expect(SECRETS.length).toBeGreaterThanOrEqual(10);
      for (const secret of SECRETS) expect(raw).not.toContain(secret);
    } finally {
      db.close();
    }
  });

  it('filters by action, actor, target, result and time, newest first, with limit/offset', async () => {
    const all = await audit('limit=500');
    expect(all.items).toHaveLength(all.total);
    const seqOrder = [...all.items].sort((a, b) => b.timestamp.localeCompare(a.timestamp));
    expect(all.items.map((e) => e.timestamp)).toEqual(seqOrder.map((e) => e.timestamp));
    const carol = all.items.find(
      (e) => e.action === 'user.created' && e.details?.username === 'rest-carol',
    )!;
    const mid = all.items[Math.floor(all.total / 2)]!.timestamp;
    const late = all.items[3]!.timestamp;
    const cases: [string, (e: Entry) => boolean][] = [
      ['action=user.created', (e) => e.action === 'user.created'],
      ['actor=admin', (e) => e.actor_id === 'admin' || e.actor_name === 'admin'],
      [`actor=${adminId}`, (e) => e.actor_id === adminId],
      ['target_type=api_token', (e) => e.target_type === 'api_token'],
      [`target_type=user&target_id=${carol.target_id}`, (e) => e.target_id === carol.target_id],
      ['result=failure', (e) => e.result === 'failure'],
      [`since=${mid}`, (e) => e.timestamp >= mid],
      [`until=${mid}`, (e) => e.timestamp <= mid],
      [
        `since=${mid}&until=${late}&action=auth.login`,
        (e) => e.timestamp >= mid && e.timestamp <= late && e.action === 'auth.login',
      ],
    ];
    const client = await tomo.mcp(adminToken);
    for (const [query, keep] of cases) {
      const expected = all.items.filter(keep);
      expect(expected.length).toBeGreaterThan(0);
      const page = await audit(`${query}&limit=500`);
      expect({ query, ids: page.items.map((e) => e.id), total: page.total }).toEqual({
        query,
        ids: expected.map((e) => e.id),
        total: expected.length,
      });
      const args = Object.fromEntries(new URLSearchParams(query));
      expect(await call(client, 'query_audit_log', { ...args, limit: 500 })).toEqual(page);
    }

    const window = await audit('limit=3&offset=2');
    expect(window).toEqual({ items: all.items.slice(2, 5), total: all.total });
    expect(await call(client, 'query_audit_log', { limit: 3, offset: 2 })).toEqual(window);
    await client.close();

    const bad = await tomo.request('GET', '/api/v1/audit?since=yesterday', { token: adminToken });
    expect(bad.status).toBe(400);
  });

  it('verifies an untouched log over REST and MCP', async () => {
    const { total } = await audit('limit=1');
    const expected = { valid: true, checked: total, first_invalid_id: null };
    const verified = await tomo.request('POST', '/api/v1/audit/verify', { token: adminToken });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual(expected);
    const client = await tomo.mcp(adminToken);
    expect(await call(client, 'verify_audit_log')).toEqual(expected);
    await client.close();
  });
});

describe('audit log: tampering through the database file is detected (checklist 42)', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let db: Database.Database;

  type Row = Record<string, any> & { id: string; seq: number; hash: string };
  const rows = () => db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Row[];
  const verify = async () =>
    (await tomo.request('POST', '/api/v1/audit/verify', { token: adminToken })).body;
  const insert = (row: Row) => {
    const columns = Object.keys(row);
    const values = columns.map((c) => `@${c}`).join(', ');
    db.prepare(`INSERT INTO audit_log (${columns.join(', ')}) VALUES (${values})`).run(row);
  };
  const remove = (id: string) => db.prepare('DELETE FROM audit_log WHERE id = ?').run(id);
  const update = (id: string, values: Record<string, unknown>) => {
    const set = Object.keys(values).map((c) => `${c} = @${c}`);
    db.prepare(`UPDATE audit_log SET ${set.join(', ')} WHERE id = @id`).run({ ...values, id });
  };

  /** Applies `change`, expects verification to name the row `id`, then undoes the change. */
  async function expectNamed(id: string, change: () => unknown, undo: () => unknown) {
    change();
    try {
      expect(await verify()).toMatchObject({ valid: false, first_invalid_id: id });
    } finally {
      undo();
    }
  }

  const CHAINED =
    'id seq timestamp actorType actorId actorName interface action targetType targetId result ipAddress userAgent details prevHash';
  /** The row with its hash recomputed over its columns with `key`. */
  function seal(row: Row, key: Buffer): Row {
    const column = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const fields = Object.fromEntries(CHAINED.split(' ').map((f) => [f, row[column(f)]]));
    return { ...row, hash: auditHash(key, fields as Parameters<typeof auditHash>[1]) };
  }
  /** A row claiming that mallory deleted someone, appended after `last`, sealed with `key`. */
  const forgedAfter = (last: Row, key: Buffer): Row =>
    seal(
      {
        ...last,
        id: '00000000-0000-4000-8000-00000000f0f0',
        seq: last.seq + 1,
        actor_name: 'mallory',
        action: 'user.deleted',
        ip_address: '10.0.0.66',
        prev_hash: last.hash,
      },
      key,
    );

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
    for (const name of ['frank', 'grace', 'heidi']) await tomo.createUser(name, 'user', adminToken);
    db = new Database(join(tomo.dataDirectory, 'tomo.db'));
    db.pragma('busy_timeout = 5000');
    expect(rows().length).toBeGreaterThanOrEqual(8);
  });
  afterAll(async () => {
    db.close();
    await tomo.stop();
  });
  afterEach(async () => {
    // Each case restores the table; the untouched chain verifies again.
    expect(await verify()).toEqual({ valid: true, checked: rows().length, first_invalid_id: null });
  });

  const EDITS: Record<string, unknown> = {
    action: 'user.updated',
    actor_type: 'system',
    actor_id: null,
    actor_name: 'mallory',
    interface: 'mcp',
    target_id: 'someone-else',
    result: 'failure',
    ip_address: '10.0.0.66',
    user_agent: 'edited',
    details: '{}',
    timestamp: '2020-01-01T00:00:00.000Z',
    prev_hash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
  };
  it.each(Object.keys(EDITS))('(a) names a middle row whose %s was edited', async (column) => {
    const middle = rows()[4]!;
    await expectNamed(
      middle.id,
      () => update(middle.id, { [column]: EDITS[column] }),
      () => update(middle.id, { [column]: middle[column] }),
    );
  });

  it('(b) names the row after a deleted middle row', async () => {
    const [deleted, next] = rows().slice(3, 5) as [Row, Row];
    await expectNamed(
      next.id,
      () => remove(deleted.id),
      () => insert(deleted),
    );
  });

  it('(c) names an inserted row (seq = max + 1, any hash)', async () => {
    const last = rows().at(-1)!;
    const forged = { ...forgedAfter(last, randomBytes(32)), hash: randomBytes(32).toString('hex') };
    await expectNamed(
      forged.id,
      () => insert(forged),
      () => remove(forged.id),
    );
  });

  it('(d) names the first of two rows whose seq were swapped', async () => {
    const all = rows();
    const [a, b] = [all[2]!, all[5]!];
    /** Gives `a` and `b` the seq values `aSeq` and `bSeq`, through a temporary seq (unique). */
    const place = (aSeq: number, bSeq: number) =>
      db.transaction(() => {
        update(a.id, { seq: -1 });
        update(b.id, { seq: bSeq });
        update(a.id, { seq: aSeq });
      })();
    await expectNamed(
      b.id,
      () => place(b.seq, a.seq),
      () => place(a.seq, b.seq),
    );
  });

  it('(e) names a forged or edited row whose hash was recomputed with a wrong key', async () => {
    const all = rows();
    const forged = forgedAfter(all.at(-1)!, randomBytes(32));
    await expectNamed(
      forged.id,
      () => insert(forged),
      () => remove(forged.id),
    );

    const middle = all[4]!;
    const edited = seal({ ...middle, actor_name: 'mallory' }, randomBytes(32));
    await expectNamed(
      middle.id,
      () => update(middle.id, { actor_name: edited.actor_name, hash: edited.hash }),
      () => update(middle.id, { actor_name: middle.actor_name, hash: middle.hash }),
    );

    // Control: only the key kept outside the database makes a row that verifies.
    const withKey = forgedAfter(all.at(-1)!, tomo.tomo.config.auditKey);
    insert(withKey);
    try {
      expect(await verify()).toEqual({
        valid: true,
        checked: all.length + 1,
        first_invalid_id: null,
      });
    } finally {
      remove(withKey.id);
    }
  });
});
