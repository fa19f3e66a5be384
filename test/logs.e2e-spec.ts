import type { Client } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { ActivityService } from '../src/logs/activity.service';
import { TestTomo } from './support/tomo-harness';

type LogView = {
  id: number;
  timestamp: string;
  level: string;
  source: string;
  message: string;
  context: Record<string, any> | null;
};
type Page = { items: LogView[]; total: number };

/** The writer flushes about once a second: wait until `found` holds (or fail after a while). */
async function eventually<T>(probe: () => Promise<T>, found: (value: T) => boolean): Promise<T> {
  let value = await probe();
  for (let attempt = 0; attempt < 100 && !found(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}

describe('persisted application logs: query_logs and get_logs_by_source', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let mcp: Client;

  const logs = async (query: string): Promise<Page> => {
    const response = await tomo.request<Page>('GET', `/api/v1/logs?${query}`, {
      token: adminToken,
    });
    expect(response.status).toBe(200);
    return response.body;
  };
  const logsUntil = (query: string, found: (page: Page) => boolean) =>
    eventually(() => logs(query), found);

  /** The rows as stored, read from the SQLite file. */
  const storedRows = (): { level: string; source: string; message: string; context: string }[] => {
    const db = new Database(join(tomo.dataDirectory, 'tomo.db'), { readonly: true });
    try {
      return db.prepare('SELECT level, source, message, context FROM logs').all() as never;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    tomo = await TestTomo.start({ LOG_LEVEL: 'info' });
    adminToken = await tomo.login();
    mcp = await tomo.mcp(adminToken);
  });

  afterAll(async () => {
    await mcp.close();
    await tomo.stop();
  });

  it('stores an event a real operation logs at info, with its source, and finds it by source', async () => {
    const run = await tomo.request('POST', '/api/v1/retention/run', {
      token: adminToken,
      body: {},
    });
    expect(run.status).toBe(200);
    const page = await logsUntil('source=RetentionService', (p) => p.total > 0);
    expect(page.items[0]).toMatchObject({
      level: 'info',
      source: 'RetentionService',
      message: expect.stringMatching(/^retention run deleted \d+ rows$/),
      context: expect.objectContaining({ trigger: 'manual' }),
    });
    expect(page.items[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const bySource = await tomo.request<Page>('GET', '/api/v1/logs/sources/RetentionService', {
      token: adminToken,
    });
    expect(bySource.status).toBe(200);
    expect(bySource.body.items.map((item) => item.id)).toEqual(page.items.map((item) => item.id));
  });

  it('does not store the per-request access lines', async () => {
    await tomo.request('GET', '/api/v1/retention/policies', { token: adminToken });
    await logsUntil('source=RetentionService', (p) => p.total > 0);
    const rows = storedRows();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((row) => /^request (completed|errored)$/.test(row.message))).toEqual([]);
  });

  it('redacts a secret in a logged object in the stored row', async () => {
    const secret = 'hunter2-correct-horse-battery';
    new Logger('E2eProbe').warn(
      { server: 'web-1', password: secret, nested: { api_key: `${secret}-2` } },
      `connecting with Authorization: Bearer ${secret}-3`,
    );
    const page = await logsUntil('source=E2eProbe', (p) => p.total === 1);
    expect(page.items[0]).toMatchObject({
      level: 'warn',
      source: 'E2eProbe',
      message: 'connecting with Authorization: Bearer [REDACTED]',
      context: { server: 'web-1', password: '[REDACTED]', nested: { api_key: '[REDACTED]' } },
    });
    expect(JSON.stringify(storedRows())).not.toContain(secret);
  });

  it('keeps a message with CR/LF as one row, the line breaks as data', async () => {
    const forged = 'first line\r\n{"level":60,"msg":"forged","context":"Forger"}\nthird';
    new Logger('E2eCrlf').log(forged);
    const page = await logsUntil('source=E2eCrlf', (p) => p.total === 1);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.message).toBe(forged);
    expect((await logs('source=Forger')).total).toBe(0);
  });

  it('filters by lowest level, source, text and time, newest first, with paging', async () => {
    const probe = new Logger('E2eFilter');
    probe.log('alpha event one');
    probe.warn('alpha event two');
    probe.error('beta event three');
    probe.fatal('gamma Alpha four');
    const all = await logsUntil('source=E2eFilter', (p) => p.total === 4);
    expect(all.items.map((item) => item.message)).toEqual([
      'gamma Alpha four',
      'beta event three',
      'alpha event two',
      'alpha event one',
    ]);
    expect(all.items.map((item) => item.level)).toEqual(['fatal', 'error', 'warn', 'info']);

    const atLeastWarn = await logs('source=E2eFilter&level=warn');
    expect(atLeastWarn.items.map((item) => item.level)).toEqual(['fatal', 'error', 'warn']);
    expect(atLeastWarn.total).toBe(3);
    expect((await logs('source=E2eFilter&level=error')).total).toBe(2);

    const alpha = await logs('source=E2eFilter&search=ALPHA');
    expect(alpha.items.map((item) => item.message)).toEqual([
      'gamma Alpha four',
      'alpha event two',
      'alpha event one',
    ]);
    expect((await logs('search=ha%20e')).items.map((item) => item.message)).toEqual([
      'alpha event two',
      'alpha event one',
    ]);
    const second = await logs('search=ALPHA%20EV&limit=1&offset=1');
    expect(second).toEqual({
      total: 2,
      items: [expect.objectContaining({ message: 'alpha event one' })],
    });
    // Short searches (below the trigram index) and LIKE wildcards are plain text.
    expect((await logs('source=E2eFilter&search=ta')).total).toBe(1);
    expect((await logs('source=E2eFilter&search=%25')).total).toBe(0);
    expect((await logs('source=E2eFilter&search=_')).total).toBe(0);

    const page = await logs('source=E2eFilter&limit=2&offset=1');
    expect(page.total).toBe(4);
    expect(page.items.map((item) => item.message)).toEqual(['beta event three', 'alpha event two']);

    const newest = all.items[0]!.timestamp;
    expect((await logs(`source=E2eFilter&since=${newest}`)).items.length).toBeGreaterThanOrEqual(1);
    expect((await logs(`source=E2eFilter&until=2000-01-01T00:00:00Z`)).total).toBe(0);
    expect((await logs(`source=E2eFilter&since=2999-01-01T00:00:00Z`)).total).toBe(0);

    const bySource = await mcp.callTool({
      name: 'get_logs_by_source',
      arguments: { source: 'E2eFilter', limit: 2 },
    });
    expect(bySource.isError).toBeFalsy();
    expect(bySource.structuredContent).toMatchObject({
      total: 4,
      items: [{ message: 'gamma Alpha four' }, { message: 'beta event three' }],
    });
    const viaMcp = await mcp.callTool({
      name: 'query_logs',
      arguments: { source: 'E2eFilter', level: 'error' },
    });
    expect((viaMcp.structuredContent as Page).items.map((item) => item.message)).toEqual([
      'gamma Alpha four',
      'beta event three',
    ]);
  });

  it('tells domain events in the activity feed (ActivityService.recent, for the dashboard)', async () => {
    const changed = await tomo.request('PUT', '/api/v1/settings/system/retention.run_at_hour', {
      token: adminToken,
      body: { value: 4 },
    });
    expect(changed.status).toBe(200);
    const activity = tomo.tomo.app.get(ActivityService);
    const [latest] = await eventually(
      () => activity.recent(5),
      (items) => items.some((item) => item.event === 'setting.changed'),
    );
    expect(latest).toMatchObject({
      event: 'setting.changed',
      summary: 'System setting retention.run_at_hour was changed',
      target_type: 'setting',
      target_id: 'retention.run_at_hour',
      actor_id: null,
    });
  });

  it('refuses bad filters with a 400 that says what is wrong', async () => {
    for (const query of ['level=debug', 'since=yesterday', 'limit=0', 'limit=5000', 'offset=-1']) {
      const response = await tomo.request('GET', `/api/v1/logs?${query}`, { token: adminToken });
      expect({ query, status: response.status, code: response.body.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });
});
