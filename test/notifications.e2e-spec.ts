import type { Client } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Frame, ProtocolAgent } from './support/protocol-agent';
import { spawnTomo, SpawnedTomo } from './support/spawn-tomo';
import { ADMIN_PASSWORD, ADMIN_USERNAME, GOOD_PASSWORD, TestTomo } from './support/tomo-harness';

const CLI_JS = join(__dirname, '..', 'dist', 'src', 'cli.js');
const run = promisify(execFile);

/** One request a receiver got: the exact body bytes as they arrived. */
interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A webhook or ntfy endpoint on 127.0.0.1 that answers with the statuses it is told, then 200. */
class Receiver {
  readonly requests: Received[] = [];
  answers: number[] = [];
  private server!: Server;

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        response.statusCode = this.answers.shift() ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls until `probe` gives a value (or fails with `what` after 20 s). */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The signature scheme of docs/notifications.md, checked as a receiver would. */
function signatureValid(secret: string, request: Received): boolean {
  const timestamp = String(request.headers['x-tomo-timestamp']);
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret)
      .update(Buffer.concat([Buffer.from(`${timestamp}.`), request.body]))
      .digest('hex')}`,
  );
  const given = Buffer.from(String(request.headers['x-tomo-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  return { isError: result.isError === true, body: result.structuredContent as any };
}

/**
 * Notifications against a running Tomo: real domain events (failed logins that lock an account,
 * an agent connecting over /ws/agent) become notifications for the right users; each user reaches
 * only their own through REST, MCP and /ws/events; webhook and ntfy channels receive each event
 * once, signed, with retries, at receivers this file starts on 127.0.0.1.
 */
describe('notifications', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let secondAdmin: { id: string; token: string };
  let reader: { id: string; token: string };
  let other: { id: string; token: string };
  let eventsUrl: string;
  const sockets: ProtocolAgent[] = [];
  const receivers: Receiver[] = [];

  const list = async (token: string, query = '') =>
    (await tomo.request('GET', `/api/v1/notifications${query}`, { token })).body as {
      items: any[];
      total: number;
    };

  async function lockOut(username: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await tomo.request('POST', '/api/v1/auth/login', {
        body: { username, password: `wrong password number ${attempt}!` },
      });
      expect(result.status).toBe(401);
    }
    const locked = await tomo.request('POST', '/api/v1/auth/login', {
      body: { username, password: GOOD_PASSWORD },
    });
    expect(locked.status).toBe(423);
  }

  async function unlock(username: string): Promise<void> {
    const result = await tomo.request('POST', '/api/v1/users/unlock', {
      token: adminToken,
      body: { username },
    });
    expect(result.status).toBe(200);
  }

  async function live(token: string): Promise<ProtocolAgent> {
    const client = await ProtocolAgent.connect(eventsUrl);
    sockets.push(client);
    client.send({ type: 'authenticate', token });
    await client.next((frame) => frame.type === 'authenticated');
    return client;
  }

  async function receiver(): Promise<Receiver> {
    const started = await new Receiver().start();
    receivers.push(started);
    return started;
  }

  async function createChannel(body: Record<string, unknown>) {
    const created = await tomo.request('POST', '/api/v1/notification-channels', {
      token: adminToken,
      body,
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function deleteChannel(id: string): Promise<void> {
    const removed = await tomo.request('DELETE', `/api/v1/notification-channels/${id}`, {
      token: adminToken,
    });
    expect(removed.status).toBe(200);
  }

  beforeAll(async () => {
    // The receivers of this file listen on 127.0.0.1, which channels refuse by default: the
    // system setting notifications.allow_private_targets lets them through. Until the settings
    // registry has that key, MARKETPLACE_ALLOW_PRIVATE_SOURCES stands in for it.
    tomo = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      MARKETPLACE_ALLOW_PRIVATE_SOURCES: 'true',
    });
    adminToken = await tomo.login();
    eventsUrl = `${tomo.url.replace(/^http/, 'ws')}/ws/events`;
    secondAdmin = await tomo.createUser('ada-admin', 'admin', adminToken);
    reader = await tomo.createUser('rita-reader', 'readonly', adminToken);
    other = await tomo.createUser('otto-reader', 'readonly', adminToken);
    await tomo.request('PUT', '/api/v1/settings/system/notifications.allow_private_targets', {
      token: adminToken,
      body: { value: true },
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.socket.close();
    for (const started of receivers) await started.stop();
    await tomo?.stop();
  });

  it('a locked account notifies its user and every admin, and nobody else', async () => {
    await lockOut('rita-reader');
    const mine = await until('the notification of rita', async () => {
      const page = await list(reader.token);
      return page.total > 0 ? page : undefined;
    });
    expect(mine.items).toEqual([
      {
        id: expect.any(String),
        type: 'account.locked',
        severity: 'warning',
        title: 'Account rita-reader locked',
        message: expect.stringMatching(/locked after 5 failed logins/),
        link: '/api/v1/users/locked',
        read: false,
        created_at: expect.any(String),
      },
    ]);
    for (const token of [adminToken, secondAdmin.token]) {
      const page = await list(token);
      expect(page.items.map((item) => [item.type, item.title])).toContainEqual([
        'account.locked',
        'Account rita-reader locked',
      ]);
    }
    expect(await list(other.token)).toEqual({ items: [], total: 0 });
    await unlock('rita-reader');
  });

  it('each user reaches only their own notifications: REST, MCP and /ws/events', async () => {
    const readerSocket = await live(reader.token);
    const otherSocket = await live(other.token);
    await lockOut('otto-reader');
    const pushed = await otherSocket.next(
      (frame) => frame.event === 'notification.created' && frame.data.type === 'account.locked',
    );
    const ottos = await list(other.token);
    expect(ottos.total).toBe(1);
    expect(pushed.data).toEqual(ottos.items[0]);

    const ritas = await list(reader.token);
    expect(ritas.items.map((item) => item.title)).toEqual(['Account rita-reader locked']);
    const ottoId = ottos.items[0].id as string;
    // Another user's notification answers 404, like one that does not exist.
    for (const [method, path] of [
      ['POST', `/api/v1/notifications/${ottoId}/read`],
      ['DELETE', `/api/v1/notifications/${ottoId}`],
    ] as const) {
      const refused = await tomo.request(method, path, { token: reader.token });
      expect({ path, status: refused.status, code: refused.body.code }).toEqual({
        path,
        status: 404,
        code: 'NOT_FOUND',
      });
    }
    const mcp = await tomo.mcp(reader.token);
    try {
      const viaMcp = await call(mcp, 'get_notifications');
      expect(viaMcp.body).toEqual(ritas);
      const refused = await call(mcp, 'mark_read', { notification_id: ottoId });
      expect(refused).toMatchObject({ isError: true, body: { code: 'NOT_FOUND' } });
      expect(await call(mcp, 'get_unread_count')).toEqual({ isError: false, body: { count: 1 } });
    } finally {
      await mcp.close();
    }
    // Otto's notification is still unread: nothing Rita did touched it.
    expect((await list(other.token)).items[0].read).toBe(false);
    // Rita's socket never saw Otto's notification (an admin's did: it was pushed by then).
    await unlock('otto-reader');
    const adminSocket = await live(adminToken);
    await lockOut('otto-reader');
    await adminSocket.next(
      (frame) => frame.event === 'notification.created' && frame.data.title.includes('otto'),
    );
    expect(
      readerSocket.frames.filter((frame: Frame) => frame.event === 'notification.created'),
    ).toEqual([]);
    await unlock('otto-reader');
  });

  it('mark_read, mark_all_read, dismiss and unread_count on your own notifications', async () => {
    const user = await tomo.createUser('nora-notified', 'user', adminToken);
    await lockOut('nora-notified');
    await unlock('nora-notified');
    await lockOut('nora-notified');
    await until('two notifications', async () =>
      (await list(user.token)).total === 2 ? true : undefined,
    );
    const count = async () =>
      (await tomo.request('GET', '/api/v1/notifications/unread-count', { token: user.token })).body;
    expect(await count()).toEqual({ count: 2 });

    const [newest, oldest] = (await list(user.token)).items;
    const read = await tomo.request('POST', `/api/v1/notifications/${newest.id}/read`, {
      token: user.token,
    });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...newest, read: true });
    expect(await count()).toEqual({ count: 1 });
    expect((await list(user.token, '?unread_only=true')).items.map((item) => item.id)).toEqual([
      oldest.id,
    ]);

    const all = await tomo.request('POST', '/api/v1/notifications/read-all', {
      token: user.token,
    });
    expect(all.body).toEqual({ success: true, marked: 1 });
    expect(await count()).toEqual({ count: 0 });

    const dismissed = await tomo.request('DELETE', `/api/v1/notifications/${oldest.id}`, {
      token: user.token,
    });
    expect(dismissed.body).toEqual({ success: true });
    expect((await list(user.token)).items.map((item) => item.id)).toEqual([newest.id]);
    const again = await tomo.request('DELETE', `/api/v1/notifications/${oldest.id}`, {
      token: user.token,
    });
    expect(again.status).toBe(404);

    const audit = await tomo.request(
      'GET',
      `/api/v1/audit?actor=${user.id}&target_type=notification`,
      { token: adminToken },
    );
    expect(audit.body.items.map((entry: any) => entry.action).sort()).toEqual([
      'notification.dismissed',
      'notification.read',
    ]);
    await unlock('nora-notified');
  });

  it('notifications.min_severity keeps lower severities away from that user only', async () => {
    const quiet = await tomo.createUser('quinn-quiet', 'readonly', adminToken);
    const set = await tomo.request('PUT', '/api/v1/settings/user/notifications.min_severity', {
      token: quiet.token,
      body: { value: 'error' },
    });
    expect(set.status).toBe(200);
    const adminSocket = await live(adminToken);
    await lockOut('quinn-quiet');
    // The admins got this warning, so it was raised; Quinn, who asked for errors only, did not.
    await adminSocket.next(
      (frame) => frame.event === 'notification.created' && frame.data.title.includes('quinn'),
    );
    expect(await list(quiet.token)).toEqual({ items: [], total: 0 });
    await unlock('quinn-quiet');
  });

  it('an agent connecting notifies the admins, and a flapping agent does not flood them', async () => {
    const server = await tomo.request('POST', '/api/v1/servers', {
      token: adminToken,
      body: { name: 'flappy', hostname: '127.0.0.1', port: 1, username: 'nobody', credential: 'x' },
    });
    const issued = await tomo.request('POST', `/api/v1/servers/${server.body.id}/agent`, {
      token: adminToken,
    });
    const agentUrl = `${tomo.url.replace(/^http/, 'ws')}/ws/agent`;
    const adminSocket = await live(adminToken);
    const first = await ProtocolAgent.connect(agentUrl);
    const registered = await first.register(issued.body.registration_code);
    expect(registered.type).toBe('registered');
    first.close();
    await adminSocket.next(
      (frame) => frame.event === 'agent.status' && frame.data.status === 'disconnected',
    );
    // Two more flaps within the minute.
    for (let flap = 0; flap < 2; flap++) {
      const again = await ProtocolAgent.connect(agentUrl);
      expect((await again.authenticate(registered.token)).type).toBe('authenticated');
      again.close();
      await until('the disconnect', () =>
        adminSocket.frames.filter(
          (frame) => frame.event === 'agent.status' && frame.data.status === 'disconnected',
        ).length ===
        flap + 2
          ? true
          : undefined,
      );
    }
    const reader2 = await list(reader.token);
    expect(reader2.items.some((item) => item.type.startsWith('agent.'))).toBe(false);
    for (const token of [adminToken, secondAdmin.token]) {
      const agentNotes = (await list(token, '?limit=500')).items.filter((item) =>
        item.type.startsWith('agent.'),
      );
      expect(agentNotes.map((item) => [item.type, item.severity, item.title]).sort()).toEqual([
        ['agent.connected', 'success', 'Agent on flappy connected'],
        ['agent.disconnected', 'warning', 'Agent on flappy disconnected'],
      ]);
    }
  });

  it('a webhook receives each event once, HMAC-signed, after retrying two 500s', async () => {
    const hook = await receiver();
    hook.answers = [500, 500];
    const secret = `whsec-${randomUUID()}`;
    const channel = await createChannel({
      name: 'ops hook',
      kind: 'webhook',
      url: `${hook.url}/tomo`,
      secret,
      event_types: ['account.locked'],
    });
    expect(channel).toMatchObject({ kind: 'webhook', has_secret: true, enabled: true });
    expect(JSON.stringify(channel)).not.toContain(secret);

    const target = await tomo.createUser('walt-webhook', 'readonly', adminToken);
    await lockOut('walt-webhook');
    // Two admins and Walt got a notification; the channel gets the event once (3 attempts).
    const attempts = await until('three attempts', () =>
      hook.requests.length >= 3 ? hook.requests : undefined,
    );
    expect(attempts).toHaveLength(3);
    const deliveryIds = new Set(attempts.map((request) => request.headers['x-tomo-delivery']));
    expect(deliveryIds.size).toBe(1);
    for (const request of attempts) {
      expect(request).toMatchObject({ method: 'POST', path: '/tomo' });
      expect(request.headers['content-type']).toBe('application/json');
      expect(signatureValid(secret, request)).toBe(true);
      expect(signatureValid('another secret!!', request)).toBe(false);
    }
    const body = JSON.parse(attempts[2]!.body.toString('utf8'));
    expect(body).toEqual({
      id: deliveryIds.values().next().value,
      type: 'account.locked',
      severity: 'warning',
      title: 'Account walt-webhook locked',
      message: expect.stringMatching(/locked after 5 failed logins/),
      link: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/users\/locked$/),
      created_at: expect.any(String),
    });
    const listed = await until('the delivery recorded on the channel', async () => {
      const page = await tomo.request('GET', '/api/v1/notification-channels', {
        token: adminToken,
      });
      const found = page.body.items.find((item: any) => item.id === channel.id);
      return found?.last_delivery_at ? page : undefined;
    });
    expect(listed.body.items.find((item: any) => item.id === channel.id)).toMatchObject({
      last_error: null,
      has_secret: true,
    });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const audit = await tomo.request('GET', '/api/v1/audit?target_type=notification_channel', {
      token: adminToken,
    });
    expect(audit.body.total).toBeGreaterThan(0);
    expect(JSON.stringify(audit.body)).not.toContain(secret);
    await unlock('walt-webhook');
    expect(target.id).toBeTruthy();
    await deleteChannel(channel.id);
  });

  it('a channel gets only what its filters let through', async () => {
    const hook = await receiver();
    const channel = await createChannel({
      name: 'filtered',
      kind: 'webhook',
      url: hook.url,
      secret: 'a-long-enough-secret',
      min_severity: 'success',
      event_types: ['account.locked', 'agent.connected'],
    });
    await tomo.createUser('fred-filtered', 'readonly', adminToken);
    // account.locked is a warning: above the floor and among the types.
    await lockOut('fred-filtered');
    const first = await until('a delivery', () => hook.requests[0]);
    expect(JSON.parse(first.body.toString('utf8')).type).toBe('account.locked');
    const narrowed = await tomo.request('PATCH', `/api/v1/notification-channels/${channel.id}`, {
      token: adminToken,
      body: { min_severity: 'error' },
    });
    expect(narrowed.body.min_severity).toBe('error');
    await unlock('fred-filtered');
    // Another warning, now below the channel's floor; then a test message, which ignores filters.
    await lockOut('fred-filtered');
    const tested = await tomo.request('POST', `/api/v1/notification-channels/${channel.id}/test`, {
      token: adminToken,
    });
    expect(tested.body).toEqual({ success: true, attempts: 1, status_code: 200, error: null });
    expect(hook.requests.map((request) => JSON.parse(request.body.toString('utf8')).type)).toEqual([
      'account.locked',
      'test',
    ]);
    await unlock('fred-filtered');
    await deleteChannel(channel.id);
  });

  it('an ntfy channel posts to /<topic> with Title, Priority and the access token', async () => {
    const ntfy = await receiver();
    const token = `tk_${randomUUID().replace(/-/g, '')}`;
    const channel = await createChannel({
      name: 'phone',
      kind: 'ntfy',
      url: ntfy.url,
      topic: 'tomo-alerts',
      secret: token,
    });
    expect(channel).toMatchObject({ kind: 'ntfy', topic: 'tomo-alerts', has_secret: true });
    await tomo.createUser('nick-ntfy', 'readonly', adminToken);
    await lockOut('nick-ntfy');
    const request = await until('the ntfy message', () =>
      ntfy.requests.find((candidate) => candidate.body.toString('utf8').includes('nick-ntfy')),
    );
    expect(request).toMatchObject({ method: 'POST', path: '/tomo-alerts' });
    expect(request.headers).toMatchObject({
      title: 'Account nick-ntfy locked',
      priority: '4',
      authorization: `Bearer ${token}`,
    });
    expect(request.headers.tags).toContain('warning');
    expect(request.body.toString('utf8')).toMatch(/nick-ntfy was locked after 5 failed logins/);
    const listed = await tomo.request('GET', '/api/v1/notification-channels', {
      token: adminToken,
    });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    await unlock('nick-ntfy');
    await deleteChannel(channel.id);
  });

  it('test_notification_channel reports a failed delivery; the channel keeps the error', async () => {
    const hook = await receiver();
    hook.answers = [404];
    const channel = await createChannel({
      name: 'gone',
      kind: 'webhook',
      url: `${hook.url}/missing`,
      secret: 'a-long-enough-secret',
    });
    const mcp = await tomo.mcp(adminToken);
    try {
      const tested = await call(mcp, 'test_notification_channel', { channel_id: channel.id });
      expect(tested.body).toEqual({
        success: false,
        attempts: 1,
        status_code: 404,
        error: 'the receiver answered HTTP 404',
      });
      const listed = await call(mcp, 'list_notification_channels');
      expect(listed.body.items.find((item: any) => item.id === channel.id)).toMatchObject({
        last_error: 'the receiver answered HTTP 404',
      });
      const removed = await call(mcp, 'delete_notification_channel', { channel_id: channel.id });
      expect(removed.body).toEqual({ success: true });
    } finally {
      await mcp.close();
    }
  });

  it.each([
    [{ kind: 'webhook', url: 'ftp://127.0.0.1/x', secret: 'a-long-enough-secret' }, /scheme/],
    [{ kind: 'webhook', url: 'http://127.0.0.1/x' }, /secret/],
    [{ kind: 'webhook', url: 'http://127.0.0.1/x', secret: 'short' }, /16/],
    [{ kind: 'ntfy', url: 'http://127.0.0.1' }, /topic/],
    [{ kind: 'ntfy', url: 'http://127.0.0.1', topic: 'bad topic' }, /topic/],
    [{ kind: 'email', url: 'http://127.0.0.1' }, /kind/],
    [
      {
        kind: 'webhook',
        url: 'http://127.0.0.1/x',
        secret: 'a-long-enough-secret',
        event_types: ['nope'],
      },
      /event_types/,
    ],
  ])('refuses a channel %j with a 400 that says why', async (body, message) => {
    const refused = await tomo.request('POST', '/api/v1/notification-channels', {
      token: adminToken,
      body: { name: 'bad', ...body },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(refused.body)).toMatch(message);
  });

  it('channels are for admins only', async () => {
    for (const token of [reader.token]) {
      const refused = await tomo.request('GET', '/api/v1/notification-channels', { token });
      expect(refused.status).toBe(403);
    }
  });
});

describe('notification channels: the private-address guard', () => {
  let tomo: TestTomo;
  let adminToken: string;

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
  });

  afterAll(async () => {
    await tomo?.stop();
  });

  it.each(['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://169.254.169.254/'])(
    'refuses %s by default, naming the setting that allows it',
    async (url) => {
      const refused = await tomo.request('POST', '/api/v1/notification-channels', {
        token: adminToken,
        body: { name: 'inside', kind: 'webhook', url, secret: 'a-long-enough-secret' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('VALIDATION_FAILED');
      expect(refused.body.detail ?? refused.body.message).toMatch(
        /notifications\.allow_private_targets/,
      );
      const listed = await tomo.request('GET', '/api/v1/notification-channels', {
        token: adminToken,
      });
      expect(listed.body).toEqual({ items: [], total: 0 });
    },
  );
});

/**
 * App notifications from real install_app-style deployments: an agent speaking the wire protocol
 * (test/support/protocol-agent.ts) stands in for a server's Docker, so the deployment engine runs
 * for real — a container that turns healthy, or one that exits — without a Docker daemon.
 */
describe('notifications of app deployments (a scripted agent)', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let deployer: { id: string; token: string };
  let bystander: { id: string; token: string };
  let serverId: string;
  let agent: ProtocolAgent;
  /** What docker.containers.status answers: a healthy container, or one that exited. */
  let containerState: 'healthy' | 'exited' = 'healthy';
  let lastRun: Record<string, any> = {};

  /** The agent's answers to the docker.* and system.* requests of a deployment. */
  const answers: Record<string, (params: any) => unknown> = {
    'system.info': () => ({ docker_version: '27.1.1', arch: 'x86_64', memory_total: 8 << 30 }),
    'system.preflight_check': () => ({
      disk: { free_gb: 50, total_gb: 100 },
      memory: { free_mb: 4096, total_mb: 8192 },
      ports: {},
    }),
    'docker.images.list': () => [{ tags: ['tomo-test/busybox:1.35'] }],
    'docker.containers.run': (params) => {
      lastRun = params;
      return { id: 'c0ffee' };
    },
    'docker.containers.status': () =>
      containerState === 'healthy'
        ? { status: 'running', health: 'healthy', restart_count: 0 }
        : { status: 'exited', health: null, restart_count: 0 },
    // As Docker reports a container run with these parameters (the engine checks them).
    'docker.containers.inspect': () => ({
      State: { ExitCode: 3 },
      NetworkSettings: {
        Networks: { [lastRun.network]: { Aliases: lastRun.network_aliases ?? [] } },
      },
    }),
    'docker.containers.logs': () => ({ logs: 'listen: address in use\n' }),
    'docker.containers.list': () => [],
  };

  const manifest = (id: string) => ({
    manifest_version: 1,
    id,
    name: id === 'greeter' ? 'Greeter' : 'Crasher',
    version: '1.0.0',
    services: [
      {
        name: 'web',
        image: 'tomo-test/busybox:1.35',
        command: ['busybox', 'httpd', '-f', '-p', '8080'],
        ports: [{ container: 8080, host: null, main: true }],
        healthcheck: {
          test: ['CMD', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'],
          interval_s: 1,
          timeout_s: 2,
          retries: 3,
        },
      },
    ],
  });

  const list = async (token: string) =>
    (await tomo.request('GET', '/api/v1/notifications?limit=500', { token })).body.items as any[];

  beforeAll(async () => {
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    adminToken = await tomo.login();
    deployer = await tomo.createUser('dora-deployer', 'user', adminToken);
    bystander = await tomo.createUser('bea-bystander', 'user', adminToken);
    const server = await tomo.request('POST', '/api/v1/servers', {
      token: adminToken,
      body: { name: 'edge-1', hostname: '127.0.0.1', port: 1, username: 'nobody', credential: 'x' },
    });
    serverId = server.body.id;
    const issued = await tomo.request('POST', `/api/v1/servers/${serverId}/agent`, {
      token: adminToken,
    });
    agent = await ProtocolAgent.connect(`${tomo.url.replace(/^http/, 'ws')}/ws/agent`);
    agent.handlers = new Proxy(answers, {
      get: (target, method: string) => target[method] ?? (() => ({})),
    });
    expect((await agent.register(issued.body.registration_code)).type).toBe('registered');
  });

  afterAll(async () => {
    agent?.close();
    await tomo?.stop();
  });

  it('an app installed and removed: only the user who did it is told', async () => {
    const deployed = await tomo.request('POST', `/api/v1/servers/${serverId}/apps/custom`, {
      token: deployer.token,
      body: { manifest: manifest('greeter') },
    });
    expect(deployed.body).toMatchObject({ status: 'running', method: 'agent', error: null });
    const installed = await until('app.installed', async () =>
      (await list(deployer.token)).find((item) => item.type === 'app.installed'),
    );
    expect(installed).toMatchObject({
      severity: 'success',
      title: 'Greeter installed',
      message: 'Greeter is installed and running on edge-1.',
      link: `/api/v1/apps/${deployed.body.id}`,
    });
    const removed = await tomo.request('DELETE', `/api/v1/apps/${deployed.body.id}`, {
      token: deployer.token,
    });
    expect(removed.body.status).toBe('removed');
    await until('app.removed', async () =>
      (await list(deployer.token)).find((item) => item.type === 'app.removed'),
    );
    for (const token of [adminToken, bystander.token]) {
      const types = (await list(token)).map((item) => item.type);
      expect(types.filter((type) => type.startsWith('app.'))).toEqual([]);
    }
  });

  it('an app that fails: the user who started it and every admin', async () => {
    containerState = 'exited';
    const deployed = await tomo.request('POST', `/api/v1/servers/${serverId}/apps/custom`, {
      token: deployer.token,
      body: { manifest: manifest('crasher') },
    });
    expect(deployed.body).toMatchObject({ status: 'failed' });
    for (const token of [deployer.token, adminToken]) {
      const failed = await until('app.failed', async () =>
        (await list(token)).find((item) => item.type === 'app.failed'),
      );
      expect(failed).toMatchObject({
        severity: 'error',
        title: 'Crasher failed',
        link: `/api/v1/apps/${deployed.body.id}`,
      });
      expect(failed.message).toMatch(/^Installing or changing Crasher on edge-1 failed: /);
    }
    expect((await list(bystander.token)).map((item) => item.type)).toEqual([]);
  });
});

/** The built server and CLI, as a user runs them: `tomo rotate-encryption-key` with a channel. */
describe('notification channel secrets and key rotation', () => {
  let dataDirectory: string;
  let tomo: SpawnedTomo | undefined;
  let url: string;
  let token: string;
  let hook: Receiver;
  const env = () => ({
    APP_ENV: 'test',
    DATA_DIRECTORY: dataDirectory,
    PORT: '0',
    LOG_LEVEL: 'warn',
    TOMO_ADMIN_USERNAME: ADMIN_USERNAME,
    TOMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SERVER_CHECK_INTERVAL_SECONDS: '0',
    MARKETPLACE_ALLOW_PRIVATE_SOURCES: 'true',
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async function start(): Promise<void> {
    tomo = spawnTomo(env());
    url = await tomo.ready;
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;
    await call('PUT', '/api/v1/settings/system/notifications.allow_private_targets', {
      value: true,
    });
  }

  const sealedSecret = () => {
    const db = new Database(join(dataDirectory, 'tomo.db'), { readonly: true });
    const row = db.prepare('SELECT secret FROM notification_channels').get() as { secret: string };
    db.close();
    return row.secret;
  };

  beforeAll(async () => {
    dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-channel-rotation-'));
    hook = await new Receiver().start();
    await start();
  });

  afterAll(async () => {
    await tomo?.stop();
    await hook?.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('the secret is sealed at rest, re-sealed by the rotation, and still signs afterwards', async () => {
    const secret = `rotation-secret-${randomUUID()}`;
    const created = await call('POST', '/api/v1/notification-channels', {
      name: 'rotating',
      kind: 'webhook',
      url: hook.url,
      secret,
    });
    expect(created.status).toBe(201);
    await tomo!.stop();
    const before = sealedSecret();
    expect(before).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(before).not.toContain(secret);

    const { stdout } = await run(process.execPath, [CLI_JS, 'rotate-encryption-key'], {
      env: { PATH: process.env.PATH ?? '', ...env() },
    });
    const newKeyId = /under key ([0-9a-f]{8})/.exec(stdout)![1]!;
    expect(sealedSecret().split(':')[1]).toBe(newKeyId);
    expect(before.split(':')[1]).not.toBe(newKeyId);

    await start();
    const tested = await call('POST', `/api/v1/notification-channels/${created.body.id}/test`);
    expect(tested.body).toMatchObject({ success: true, status_code: 200 });
    expect(signatureValid(secret, hook.requests.at(-1)!)).toBe(true);
  });
});
