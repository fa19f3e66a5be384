import { ProtocolAgent } from './support/protocol-agent';
import { TestTomo } from './support/tomo-harness';

/**
 * `/ws/events` against a running Tomo: the first frame authenticates (JWT or API token, never
 * the URL), bad handshakes are refused with an error frame and 4001, `subscribe` narrows the
 * stream, agent status changes arrive as `agent.status`, and terminating the session closes the
 * socket. Clients are raw WebSocket clients, frame by frame.
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
