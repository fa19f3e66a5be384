import { ProtocolAgent } from './support/protocol-agent';
import { GOOD_PASSWORD, TestTomo } from './support/tomo-harness';

/**
 * `/ws/events` against a running Tomo: the first frame authenticates (JWT or API token, never
 * the URL), bad handshakes are refused with an error frame and 4001, `subscribe` narrows the
 * stream, agent status changes arrive as `agent.status`, a notification reaches only its user,
 * backups only admins, and ending the credential (terminate, logout, password change, token
 * revocation) closes the socket at once. Clients are raw WebSocket clients, frame by frame.
 */
describe('live events on /ws/events', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let eventsUrl: string;
  let agentUrl: string;
  let serverId: string;

  const connect = () => ProtocolAgent.connect(eventsUrl);

  async function signedIn(token: string): Promise<ProtocolAgent> {
    const client = await connect();
    client.send({ type: 'authenticate', token });
    await client.next((frame) => frame.type === 'authenticated');
    return client;
  }

  beforeAll(async () => {
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    adminToken = await tomo.login();
    eventsUrl = `${tomo.url.replace(/^http/, 'ws')}/ws/events`;
    agentUrl = `${tomo.url.replace(/^http/, 'ws')}/ws/agent`;
    const server = await tomo.request('POST', '/api/v1/servers', {
      token: adminToken,
      body: { hostname: '127.0.0.1', port: 1, username: 'nobody', credential: 'unused' },
    });
    serverId = server.body.id;
  });

  afterAll(async () => {
    await tomo?.stop();
  });

  it('authenticates with the JWT in the first frame and answers with the user id', async () => {
    const me = await tomo.request('GET', '/api/v1/auth/me', { token: adminToken });
    const client = await connect();
    client.send({ type: 'authenticate', token: adminToken });
    expect(await client.next((frame) => frame.type === 'authenticated')).toEqual({
      type: 'authenticated',
      user_id: me.body.id,
    });
    client.socket.close();
  });

  it.each([
    ['a frame that is not JSON', 'hello'],
    ['another first frame', { type: 'subscribe', events: ['*'] }],
    ['no token', { type: 'authenticate' }],
    ['a wrong token', { type: 'authenticate', token: 'not-a-token' }],
  ])('refuses %s with an error frame and close 4001', async (_what, frame) => {
    const client = await connect();
    client.send(frame);
    const error = await client.next((reply) => reply.type === 'error');
    expect(typeof error.error).toBe('string');
    expect((await client.closedWith()).code).toBe(4001);
  });

  it('never reads the token from the URL', async () => {
    const client = await ProtocolAgent.connect(`${eventsUrl}?token=${adminToken}`);
    client.send({ type: 'subscribe', events: ['*'] });
    await client.next((reply) => reply.type === 'error');
    expect((await client.closedWith()).code).toBe(4001);
  });

  it('accepts an API token, and pushes agent.status to a readonly user', async () => {
    const created = await tomo.request('POST', '/api/v1/api-tokens', {
      token: adminToken,
      body: { name: 'live events', read_only: true },
    });
    const byToken = await signedIn(created.body.token);
    const reader = await tomo.createUser('live-reader', 'readonly', adminToken);
    const readonly = await signedIn(reader.token);
    readonly.send({ type: 'subscribe', events: ['agent.*'] });
    await readonly.next((frame) => frame.type === 'subscribed');

    const issued = await tomo.request('POST', `/api/v1/servers/${serverId}/agent`, {
      token: adminToken,
    });
    const agent = await ProtocolAgent.connect(agentUrl);
    await agent.register(issued.body.registration_code);
    for (const client of [byToken, readonly]) {
      const event = await client.next((frame) => frame.event === 'agent.status');
      expect(event).toMatchObject({
        type: 'event',
        event: 'agent.status',
        data: { agent_id: issued.body.agent_id, server_id: serverId, status: 'connected' },
      });
      expect(Date.parse(event.timestamp)).not.toBeNaN();
    }
    agent.socket.close();
    await readonly.next(
      (frame) => frame.event === 'agent.status' && frame.data.status !== 'connected',
    );
    byToken.socket.close();
    readonly.socket.close();
  });

  it('subscribe narrows the stream; a bad subscription is an error frame, not a close', async () => {
    // Sent right behind "authenticate", before its answer: held, not lost.
    const client = await connect();
    client.send({ type: 'authenticate', token: adminToken });
    client.send({ type: 'subscribe', events: ['installation.*'] });
    await client.next((frame) => frame.type === 'subscribed');
    client.send({ type: 'subscribe', events: ['bad pattern!'] });
    expect((await client.next((frame) => frame.type === 'error')).error).toMatch(/pattern/);
    const issued = await tomo.request('POST', `/api/v1/servers/${serverId}/agent`, {
      token: adminToken,
    });
    const agent = await ProtocolAgent.connect(agentUrl);
    await agent.register(issued.body.registration_code);
    // A second client without a subscription sees the agent's event; the subscribed one does not.
    const everything = await signedIn(adminToken);
    agent.socket.close();
    await everything.next((frame) => frame.event === 'agent.status');
    client.send({ type: 'ping' });
    await client.next((frame) => frame.type === 'pong');
    expect(client.frames.some((frame) => frame.event === 'agent.status')).toBe(false);
    everything.socket.close();
    expect(client.closed).toBeUndefined();
    client.socket.close();
  });

  it('a readonly user receives only their own notifications', async () => {
    const alice = await tomo.createUser('live-alice', 'readonly', adminToken);
    const bob = await tomo.createUser('live-bob', 'readonly', adminToken);
    const aliceSocket = await signedIn(alice.token);
    const bobSocket = await signedIn(bob.token);
    // Five wrong passwords lock Alice's account: a notification for her (and the admins).
    for (let attempt = 0; attempt < 5; attempt++) {
      await tomo.request('POST', '/api/v1/auth/login', {
        body: { username: 'live-alice', password: `not her password ${attempt}` },
      });
    }
    const pushed = await aliceSocket.next((frame) => frame.event === 'notification.created');
    expect(pushed.data).toMatchObject({
      type: 'account.locked',
      severity: 'warning',
      title: 'Account live-alice locked',
      read: false,
    });
    const stored = await tomo.request('GET', '/api/v1/notifications', { token: alice.token });
    expect(stored.body.items[0]).toEqual(pushed.data);
    // Bob's socket was sent nothing: it answers a ping, and had no notification before it.
    bobSocket.send({ type: 'ping' });
    await bobSocket.next((frame) => frame.type === 'pong');
    expect(bobSocket.frames.filter((frame) => frame.type === 'event')).toEqual([]);
    aliceSocket.socket.close();
    bobSocket.socket.close();
  });

  it('backup.status reaches admins only', async () => {
    const reader = await tomo.createUser('live-backup-reader', 'readonly', adminToken);
    const readerSocket = await signedIn(reader.token);
    const adminSocket = await signedIn(adminToken);
    const created = await tomo.request('POST', '/api/v1/backups', {
      token: adminToken,
      body: { note: 'live events' },
    });
    expect(created.status).toBe(201);
    const finished = await adminSocket.next(
      (frame) => frame.event === 'backup.status' && frame.data.status === 'finished',
    );
    expect(finished.data).toMatchObject({ trigger: 'manual', error: null });
    expect(typeof finished.data.filename).toBe('string');
    readerSocket.send({ type: 'ping' });
    await readerSocket.next((frame) => frame.type === 'pong');
    expect(readerSocket.frames.some((frame) => frame.event === 'backup.status')).toBe(false);
    readerSocket.socket.close();
    adminSocket.socket.close();
  });

  it('logging out closes the live socket of that session at once (4001)', async () => {
    const user = await tomo.createUser('live-logout', 'user', adminToken);
    const client = await signedIn(user.token);
    const loggedOut = await tomo.request('POST', '/api/v1/auth/logout', { token: user.token });
    expect(loggedOut.status).toBe(200);
    // Well before the periodic 30 s credential check.
    expect((await client.closedWith()).code).toBe(4001);
  });

  it('a password change closes the sockets of the other sessions, not its own', async () => {
    const user = await tomo.createUser('live-password', 'user', adminToken);
    const other = await signedIn(await tomo.login('live-password', GOOD_PASSWORD));
    const own = await signedIn(user.token);
    const changed = await tomo.request('POST', '/api/v1/auth/password', {
      token: user.token,
      body: { current_password: GOOD_PASSWORD, new_password: 'a brand new lantern by the sea' },
    });
    expect(changed.status).toBe(200);
    expect((await other.closedWith()).code).toBe(4001);
    own.send({ type: 'ping' });
    await own.next((frame) => frame.type === 'pong');
    expect(own.closed).toBeUndefined();
    own.socket.close();
  });

  it('revoking an API token closes the sockets opened with it at once (4001)', async () => {
    const created = await tomo.request('POST', '/api/v1/api-tokens', {
      token: adminToken,
      body: { name: 'live revoke' },
    });
    const client = await signedIn(created.body.token);
    const revoked = await tomo.request('DELETE', `/api/v1/api-tokens/${created.body.id}`, {
      token: adminToken,
    });
    expect(revoked.status).toBe(200);
    expect((await client.closedWith()).code).toBe(4001);
  });

  it('terminating the session closes its live socket with 4001', async () => {
    const user = await tomo.createUser('live-leaver', 'user', adminToken);
    const client = await signedIn(user.token);
    const sessions = await tomo.request('GET', '/api/v1/sessions', { token: user.token });
    const sessionId = sessions.body.items[0].id;
    const ended = await tomo.request('DELETE', `/api/v1/sessions/${sessionId}`, {
      token: user.token,
    });
    expect(ended.status).toBe(200);
    expect((await client.closedWith()).code).toBe(4001);
  });
});

/** Its own Tomo: the block it provokes would refuse the other suite's connections from 127.0.0.1. */
describe('/ws/events limits per address', () => {
  let tomo: TestTomo;
  let adminToken: string;
  let eventsUrl: string;

  beforeAll(async () => {
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    adminToken = await tomo.login();
    eventsUrl = `${tomo.url.replace(/^http/, 'ws')}/ws/events`;
  });

  afterAll(async () => {
    await tomo?.stop();
  });

  it('refuses connections beyond 20 waiting to authenticate, and takes new ones as they go', async () => {
    const waiting = await Promise.all(
      Array.from({ length: 20 }, () => ProtocolAgent.connect(eventsUrl)),
    );
    const extra = await ProtocolAgent.connect(eventsUrl);
    const refused = await extra.next((frame) => frame.type === 'error');
    expect(refused.error).toMatch(/waiting to authenticate/);
    expect((await extra.closedWith()).code).toBe(4001);

    waiting[0]!.socket.close();
    await waiting[0]!.closedWith();
    const next = await ProtocolAgent.connect(eventsUrl);
    next.send({ type: 'authenticate', token: adminToken });
    expect(await next.next((frame) => frame.type !== 'event')).toMatchObject({
      type: 'authenticated',
    });
    for (const client of [...waiting.slice(1), next]) client.socket.close();
  });

  it('blocks an address after 5 refused tokens in a minute, even for a good token', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const client = await ProtocolAgent.connect(eventsUrl);
      client.send({ type: 'authenticate', token: `tomo_wrong_${attempt}` });
      const error = await client.next((frame) => frame.type === 'error');
      expect(error.error).toBe('Invalid or expired token');
      await client.closedWith();
    }
    const blocked = await ProtocolAgent.connect(eventsUrl);
    const refused = await blocked.next((frame) => frame.type === 'error');
    expect(refused.error).toMatch(/Too many refused tokens/);
    expect((await blocked.closedWith()).code).toBe(4001);
  });
});
