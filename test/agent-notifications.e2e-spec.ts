import type { Client } from '@modelcontextprotocol/client';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '../src/monitoring/metrics/metrics.service';
import { ProtocolAgent } from './support/protocol-agent';
import { TestTomo } from './support/tomo-harness';

/** What the reference daemon sends every metrics_interval (src/daemon/metrics.ts), plus extras. */
const metricsParams = (cpu: number) => ({
  cpu,
  memory: { used: 3_000_000_000, total: 8_000_000_000, percent: 37.5 },
  disk: { used: 40_000_000_000, total: 100_000_000_000, percent: 40.2 },
  load: [0.42, 0.3, 0.25],
  network: { rx_bytes: 123_456_789, tx_bytes: 98_765 },
  containers: { running: 3, stopped: 1 },
  an_extra_field: 'ignored',
});

interface SampleRow {
  metric: string;
  value: number;
}

/**
 * Notifications from an agent (AGENT_PROTOCOL.md §5) through the real gateway: `metrics.update`
 * lands in the metrics table as samples of the agent's server, malformed params store nothing and
 * leave the connection up, `agent.shutdown` is a clean disconnect.
 */
describe('agent notifications: metrics.update and agent.shutdown', () => {
  let tomo: TestTomo;
  let token: string;
  let wsUrl: string;
  let mcp: Client;
  let servers = 0;
  const agents: ProtocolAgent[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token, body });

  /** A server of its own (samples are per server) with a registered, connected agent. */
  const connectedAgent = async () => {
    servers += 1;
    const added = await api('POST', '/api/v1/servers', {
      hostname: '127.0.0.1',
      port: servers,
      username: 'nobody',
      credential: 'unused',
    });
    expect(added.status).toBe(201);
    const serverId = added.body.id as string;
    const issued = await api('POST', `/api/v1/servers/${serverId}/agent`);
    const agent = await ProtocolAgent.connect(wsUrl);
    agents.push(agent);
    const reply = await agent.register(issued.body.registration_code);
    expect(reply.type).toBe('registered');
    return { agent, serverId, agentId: reply.agent_id as string };
  };

  const samples = (serverId: string): Promise<SampleRow[]> =>
    tomo.tomo.app
      .get(DataSource)
      .query('SELECT metric, value FROM metrics WHERE server_id = ? ORDER BY metric', [serverId]);

  /** Samples are written in batches (about once a second): wait for them to arrive. */
  const samplesOnceStored = async (serverId: string, ms = 5000): Promise<SampleRow[]> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const rows = await samples(serverId);
      if (rows.length > 0 || Date.now() > deadline) return rows;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const agentStatus = async (serverId: string) => {
    const result = await mcp.callTool({
      name: 'get_agent_status',
      arguments: { server_id: serverId },
    });
    expect(result.isError).toBeFalsy();
    return result.structuredContent as { status: string; connected: boolean };
  };

  beforeAll(async () => {
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
    wsUrl = `${tomo.url.replace(/^http/, 'ws')}/ws/agent`;
    mcp = await tomo.mcp(token);
  });

  afterAll(async () => {
    for (const agent of agents) agent.close();
    await mcp?.close();
    await tomo.stop();
  });

  afterEach(() => jest.restoreAllMocks());

  it('stores metrics.update as samples of the agent’s server', async () => {
    const { agent, serverId } = await connectedAgent();
    const before = Date.now();
    agent.send({ jsonrpc: '2.0', method: 'metrics.update', params: metricsParams(12.5) });

    expect(await samplesOnceStored(serverId)).toEqual([
      { metric: 'cpu_percent', value: 12.5 },
      { metric: 'disk_percent', value: 40.2 },
      { metric: 'load_1', value: 0.42 },
      { metric: 'memory_percent', value: 37.5 },
      { metric: 'net_rx_bytes', value: 123_456_789 },
      { metric: 'net_tx_bytes', value: 98_765 },
    ]);
    const series = await tomo.tomo.app
      .get(MetricsService)
      .series(serverId, 'memory_percent', new Date(before - 1000), new Date());
    expect(series).toEqual({
      metric: 'memory_percent',
      unit: 'percent',
      points: [{ t: expect.any(String), value: 37.5 }],
    });
    const t = Date.parse(series.points[0]!.t);
    expect(t).toBeGreaterThanOrEqual(before - 1000);
    expect(t).toBeLessThanOrEqual(Date.now());
  });

  it('malformed params store nothing, cost one warning each and leave the connection up', async () => {
    const { agent, serverId, agentId } = await connectedAgent();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const valid = JSON.stringify(metricsParams(1));
    const malformed = [
      valid.replace('"cpu":1', '"cpu":1e400'), // parses to Infinity
      valid.replace('"cpu":1', '"cpu":"1"'),
      valid.replace('"percent":37.5', '"percent":-37.5'),
      JSON.stringify({ ...metricsParams(1), load: 'high' }),
      JSON.stringify({ cpu: 1 }),
      '[1, 2, 3]', // not an object: the gateway hands over {}
      'null',
    ];
    for (const params of malformed) {
      agent.send(`{"jsonrpc":"2.0","method":"metrics.update","params":${params}}`);
    }
    agent.send({ jsonrpc: '2.0', method: 'metrics.update' });

    // The connection is still up: the agent answers a request from the backend.
    agent.handlers['agent.ping'] = () => ({
      status: 'ok',
      version: '9.9.9-test',
      agent_id: agentId,
    });
    const ping = await api('POST', `/api/v1/servers/${serverId}/agent/ping`);
    expect(ping.body).toMatchObject({ success: true });
    expect(agent.closed).toBeUndefined();

    // A valid sample sent after them is stored, and it is the only one: frames are handled in
    // order and written in order, so the malformed ones would be there by now.
    agent.send({ jsonrpc: '2.0', method: 'metrics.update', params: metricsParams(42.5) });
    const rows = await samplesOnceStored(serverId);
    expect(rows).toHaveLength(6);
    expect(rows).toContainEqual({ metric: 'cpu_percent', value: 42.5 });

    const warnings = warn.mock.calls.filter(
      ([, message]) => message === 'agent sent a malformed metrics.update; sample ignored',
    );
    expect(warnings).toHaveLength(malformed.length + 1);
    expect(warnings[0]?.[0]).toEqual({
      agentId,
      serverId,
      problems: ['cpu is not a finite number'],
    });
  });

  it('agent.shutdown is a clean disconnect: socket closed 1000, agent disconnected', async () => {
    const { agent, serverId, agentId } = await connectedAgent();
    expect(await agentStatus(serverId)).toMatchObject({ status: 'connected', connected: true });
    const log = jest.spyOn(Logger.prototype, 'log');
    const warn = jest.spyOn(Logger.prototype, 'warn');

    // The agent says it is going and does not close: the backend closes for it.
    agent.send({
      jsonrpc: '2.0',
      method: 'agent.shutdown',
      params: { reason: 'SIGTERM', restart: false },
    });
    expect((await agent.closedWith()).code).toBe(1000);
    expect(await agentStatus(serverId)).toMatchObject({
      status: 'disconnected',
      connected: false,
    });
    expect(log).toHaveBeenCalledWith(
      { agentId, serverId, reason: 'SIGTERM', restart: false },
      'agent shut down deliberately',
    );
    expect(warn).not.toHaveBeenCalledWith(expect.anything(), 'agent connection lost');
  });

  it('an agent that sends agent.shutdown and closes at once (as the daemon does) ends the same way', async () => {
    const { agent, serverId, agentId } = await connectedAgent();
    const log = jest.spyOn(Logger.prototype, 'log');
    agent.send({
      jsonrpc: '2.0',
      method: 'agent.shutdown',
      params: { reason: 'update', restart: true },
    });
    agent.close();
    await agent.closedWith();
    const deadline = Date.now() + 5000;
    while ((await agentStatus(serverId)).status !== 'disconnected' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await agentStatus(serverId)).toMatchObject({ status: 'disconnected' });
    expect(log).toHaveBeenCalledWith(
      { agentId, serverId, reason: 'update', restart: true },
      'agent shut down deliberately',
    );
  });
});
