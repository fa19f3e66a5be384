import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ProtocolAgent } from './support/protocol-agent';
import { TestTomo } from './support/tomo-harness';

/**
 * The /ws/agent gateway against a wire-level client (AGENT_PROTOCOL.md §1–§3, §6): handshakes
 * and their exact error frames, single-use codes, tokens, replacement, revocation, rotation, and
 * JSON-RPC requests from the backend. The server record needs no SSH for any of this.
 */
describe('agent gateway: the /ws/agent protocol', () => {
  let tomo: TestTomo;
  let token: string;
  let wsUrl: string;
  let serverId: string;
  const agents: ProtocolAgent[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token, body });
  const connect = async (from = '127.0.0.1') => {
    const agent = await ProtocolAgent.connect(wsUrl, from);
    agents.push(agent);
    return agent;
  };
  const issueCode = async () => {
    const response = await api('POST', `/api/v1/servers/${serverId}/agent`);
    expect(response.status).toBe(201);
    return response.body as { agent_id: string; registration_code: string; command: string };
  };

  beforeAll(async () => {
    tomo = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      AGENT_HEARTBEAT_INTERVAL_SECONDS: '1',
      AGENT_HEARTBEAT_TIMEOUT_SECONDS: '3',
    });
    token = await tomo.login();
    wsUrl = `${tomo.url.replace(/^http/, 'ws')}/ws/agent`;
    // An address nothing listens on: the server stays unreachable over SSH, which is fine here.
    const added = await api('POST', '/api/v1/servers', {
      hostname: '127.0.0.1',
      port: 1,
      username: 'nobody',
      credential: 'unused',
    });
    serverId = added.body.id;
  });

  afterAll(async () => {
    for (const agent of agents) agent.close();
    await tomo.stop();
  });

  it('register_agent returns a one-time code and the command to run on the server', async () => {
    const issued = await issueCode();
    expect(issued.registration_code).toMatch(/^[0-9A-F]{4}(-[0-9A-F]{4}){7}$/);
    expect(issued.command).toBe(
      `tomo-agent --server '${wsUrl}' --code '${issued.registration_code}'`,
    );
    const status = await api('GET', `/api/v1/servers/${serverId}/agent`);
    expect(status.body).toMatchObject({ id: issued.agent_id, status: 'pending', connected: false });
  });

  it('registers with the code (any case, dashes optional), then the code is spent', async () => {
    const issued = await issueCode();
    const agent = await connect();
    const reply = await agent.register(issued.registration_code.toLowerCase().replace(/-/g, ''));
    expect(reply).toEqual({
      type: 'registered',
      agent_id: issued.agent_id,
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      config: {
        metrics_interval: 30,
        health_interval: 60,
        reconnect_timeout: 30,
        heartbeat_interval: 1,
        heartbeat_timeout: 3,
        auto_update: true,
      },
    });
    const status = await api('GET', `/api/v1/servers/${serverId}/agent`);
    expect(status.body).toMatchObject({
      status: 'connected',
      connected: true,
      version: '9.9.9-test',
    });
    const server = await api('GET', `/api/v1/servers/${serverId}`);
    expect(server.body.agent_status).toBe('connected');

    const again = await connect();
    expect(await again.register(issued.registration_code)).toEqual({
      type: 'error',
      error: 'Invalid or expired registration code',
    });
    expect((await again.closedWith()).code).toBe(4001);
    agent.close();
  });

  it('of two concurrent redeems of one code, exactly one wins', async () => {
    const issued = await issueCode();
    const [a, b] = [await connect(), await connect()];
    const replies = await Promise.all([
      a.register(issued.registration_code),
      b.register(issued.registration_code),
    ]);
    expect(replies.map((reply) => reply.type).sort()).toEqual(['error', 'registered']);
    a.close();
    b.close();
  });

  it('authenticates later connections with the token; a newer socket replaces the older (4004)', async () => {
    const issued = await issueCode();
    const first = await connect();
    const { token: agentToken } = await first.register(issued.registration_code);
    first.close();
    await first.closedWith();

    const older = await connect();
    expect(await older.authenticate(agentToken)).toMatchObject({
      type: 'authenticated',
      agent_id: issued.agent_id,
    });
    const newer = await connect();
    expect((await newer.authenticate(agentToken)).type).toBe('authenticated');
    expect((await older.closedWith()).code).toBe(4004);
    const status = await api('GET', `/api/v1/servers/${serverId}/agent`);
    expect(status.body).toMatchObject({ status: 'connected', connected: true });
    newer.close();
  });

  /** A connected agent of the test server, through a fresh code. */
  const connectedAgent = async () => {
    const issued = await issueCode();
    const agent = await connect();
    const reply = await agent.register(issued.registration_code);
    expect(reply.type).toBe('registered');
    return { agent, token: reply.token as string, agentId: issued.agent_id };
  };

  it('sends JSON-RPC requests with id, timestamp and nonce; ping_agent measures the round trip', async () => {
    const { agent, agentId } = await connectedAgent();
    agent.handlers['agent.ping'] = () => ({
      status: 'ok',
      version: '9.9.9-test',
      agent_id: agentId,
    });
    const ping = await api('POST', `/api/v1/servers/${serverId}/agent/ping`);
    expect(ping.body).toMatchObject({ success: true, version: '9.9.9-test', agent_id: agentId });
    const request = await agent.next((f) => f.method === 'agent.ping');
    expect(request).toEqual({
      jsonrpc: '2.0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      method: 'agent.ping',
      timestamp: expect.any(Number),
      nonce: expect.stringMatching(/^[0-9a-f]{16,}$/),
    });
    expect(Math.abs(request.timestamp - Date.now() / 1000)).toBeLessThan(5);
    agent.close();
  });

  it('routes execute_command to the connected agent and reports the method', async () => {
    const { agent } = await connectedAgent();
    agent.handlers['system.exec'] = (params) => ({
      stdout: `ran: ${params.command}\n`,
      stderr: '',
      exit_code: 0,
    });
    const methods = await api('GET', `/api/v1/servers/${serverId}/execution-methods`);
    expect(methods.body).toMatchObject({ preferred: 'agent' });
    const run = await api('POST', `/api/v1/servers/${serverId}/commands`, {
      command: 'uptime',
      timeout_seconds: 7,
    });
    expect(run.body).toMatchObject({
      success: true,
      method: 'agent',
      exit_code: 0,
      output: 'ran: uptime\n',
    });
    const request = await agent.next((f) => f.method === 'system.exec');
    expect(request.params).toEqual({ command: 'uptime', timeout: 7 });
    agent.close();
  });

  it('a request pending when the socket drops fails at once with AGENT_DISCONNECTED', async () => {
    const { agent } = await connectedAgent();
    // No handler: the agent never answers, then goes away.
    const pending = api('POST', `/api/v1/servers/${serverId}/commands`, {
      command: 'sleep 100',
      method: 'agent',
    });
    await agent.next((f) => f.method === 'system.exec');
    const started = Date.now();
    agent.socket.terminate();
    const response = await pending;
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('AGENT_DISCONNECTED');
    expect(Date.now() - started).toBeLessThan(5000);
    const status = await api('GET', `/api/v1/servers/${serverId}/agent`);
    expect(status.body).toMatchObject({ status: 'disconnected', connected: false });
  });

  it('survives malformed frames after the handshake and closes oversized ones with 1009', async () => {
    const { agent, agentId } = await connectedAgent();
    agent.handlers['agent.ping'] = () => ({ status: 'ok', version: 'x', agent_id: agentId });
    agent.send('{not json');
    agent.send('[1,2,3]');
    agent.send({ jsonrpc: '2.0', id: 'unknown-id', result: 1 });
    agent.send({ jsonrpc: '2.0', method: 'health.status', params: { status: 'healthy' } });
    expect((await api('POST', `/api/v1/servers/${serverId}/agent/ping`)).body.success).toBe(true);
    agent.send('x'.repeat(1024 * 1024 + 10));
    expect((await agent.closedWith()).code).toBe(1009);
    expect((await api('GET', '/health')).status).toBe(200);
  });

  it('rotate_agent_token: the new token works, the old one during the grace period', async () => {
    const { agent, token: oldToken } = await connectedAgent();
    let newToken = '';
    agent.handlers['agent.rotate_token'] = (params) => {
      newToken = params.new_token;
      expect(params.grace_period_seconds).toBe(300);
      return { status: 'ok', rotated_at: new Date().toISOString() };
    };
    const rotated = await api('POST', `/api/v1/servers/${serverId}/agent/rotate`);
    expect(rotated.body).toMatchObject({ success: true, grace_period_seconds: 300 });
    expect(newToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    agent.close();
    for (const candidate of [newToken, oldToken]) {
      const next = await connect();
      expect((await next.authenticate(candidate)).type).toBe('authenticated');
      next.close();
      await next.closedWith();
    }
  });

  it('revoke_agent closes the socket with 4003 and its token stops working', async () => {
    const { agent, token: agentToken } = await connectedAgent();
    const revoked = await api('DELETE', `/api/v1/servers/${serverId}/agent`);
    expect(revoked.body).toEqual({ success: true });
    expect((await agent.closedWith(1000)).code).toBe(4003);
    const again = await connect();
    expect(await again.authenticate(agentToken)).toEqual({
      type: 'error',
      error: 'Invalid authentication token',
    });
    const status = await api('GET', `/api/v1/servers/${serverId}/agent`);
    expect(status.body).toMatchObject({ status: 'revoked', connected: false });
    const listed = await api('GET', '/api/v1/agents?status=revoked');
    expect(listed.body.items.map((a: { server_id: string }) => a.server_id)).toContain(serverId);
  });

  /** Simulates the passing of time where the protocol counts days or minutes. */
  const sql = (statement: string, ...params: unknown[]) => {
    const db = new Database(join(tomo.dataDirectory, 'tomo.db'));
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare(statement).run(...params);
    } finally {
      db.close();
    }
  };

  it('an expired code is refused like an unknown one', async () => {
    const issued = await issueCode();
    sql(
      'UPDATE agent_registration_codes SET expires_at = ? WHERE agent_id = ?',
      new Date(Date.now() - 1000).toISOString(),
      issued.agent_id,
    );
    const agent = await connect();
    expect(await agent.register(issued.registration_code)).toEqual({
      type: 'error',
      error: 'Invalid or expired registration code',
    });
  });

  it('after the grace period the rotated-out token is refused', async () => {
    const { agent, token: oldToken, agentId } = await connectedAgent();
    agent.handlers['agent.rotate_token'] = () => ({
      status: 'ok',
      rotated_at: new Date().toISOString(),
    });
    expect((await api('POST', `/api/v1/servers/${serverId}/agent/rotate`)).body.success).toBe(true);
    agent.close();
    sql(
      'UPDATE agents SET previous_token_expires_at = ? WHERE id = ?',
      new Date(Date.now() - 1000).toISOString(),
      agentId,
    );
    const late = await connect();
    expect((await late.authenticate(oldToken)).error).toBe('Invalid authentication token');
  });

  it('a socket silent past heartbeat_timeout is closed and the agent marked disconnected', async () => {
    const issued = await issueCode();
    const silent = await ProtocolAgent.connect(wsUrl, '127.0.0.1', { autoPong: false });
    agents.push(silent);
    expect((await silent.register(issued.registration_code)).type).toBe('registered');
    const started = Date.now();
    await silent.closedWith(10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const status = await api('GET', `/api/v1/servers/${serverId}/agent`);
    expect(status.body).toMatchObject({ status: 'disconnected', connected: false });
  });

  it('refuses bad handshakes with the exact error frames and close 4001', async () => {
    const cases: [unknown, string][] = [
      ['not json', 'Invalid message format'],
      [['an', 'array'], 'Invalid message format'],
      [{ type: 'hello' }, 'Unknown message type: hello'],
      [{ type: 'register' }, 'Registration code required'],
      [{ type: 'register', code: 'ABCD-EF01' }, 'Invalid or expired registration code'],
      [{ type: 'authenticate' }, 'Authentication token required'],
      [{ type: 'authenticate', token: 'x'.repeat(43) }, 'Invalid authentication token'],
    ];
    // Each from its own address, so the per-IP backoff (tested below) stays out of the way.
    for (const [index, [frame, error]] of cases.entries()) {
      const agent = await connect(`127.0.0.${10 + index}`);
      agent.send(frame);
      expect(await agent.next((f) => f.type === 'error')).toEqual({ type: 'error', error });
      expect((await agent.closedWith()).code).toBe(4001);
    }
  });

  it('blocks an address after five failed handshakes', async () => {
    const from = '127.0.0.50';
    for (let attempt = 0; attempt < 5; attempt++) {
      const agent = await connect(from);
      agent.send({ type: 'authenticate', token: 'nope' });
      await agent.closedWith();
    }
    const blocked = await connect(from);
    expect(await blocked.next((f) => f.type === 'error')).toEqual({
      type: 'error',
      error: 'Too many connection attempts. Try again later.',
    });
    expect((await blocked.closedWith()).code).toBe(4001);
    // Another address is not affected.
    const other = await connect('127.0.0.51');
    expect((await other.authenticate('nope')).error).toBe('Invalid authentication token');
  });
});
