import { Logger } from '@nestjs/common';
import { AgentMetricsListener } from './metrics.listener';
import type { MetricsService } from './metrics.service';

const event = (method: string, params: Record<string, unknown>) => ({
  agentId: 'agent-1',
  serverId: 'server-1',
  method,
  params,
});

const GOOD = {
  cpu: 5,
  memory: { percent: 10 },
  disk: { percent: 20 },
  load: [0.5, 0.4, 0.3],
  network: { rx_bytes: 100, tx_bytes: 200 },
};

describe('AgentMetricsListener', () => {
  let metrics: jest.Mocked<Pick<MetricsService, 'record' | 'forgetServer'>>;
  let listener: AgentMetricsListener;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    metrics = { record: jest.fn(), forgetServer: jest.fn() };
    listener = new AgentMetricsListener(metrics as unknown as MetricsService);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('records a valid metrics.update for the server of the agent', () => {
    listener.onAgentNotification(event('metrics.update', GOOD));
    expect(metrics.record).toHaveBeenCalledWith('server-1', {
      cpu_percent: 5,
      memory_percent: 10,
      disk_percent: 20,
      load_1: 0.5,
      net_rx_bytes: 100,
      net_tx_bytes: 200,
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('ignores other notifications', () => {
    listener.onAgentNotification(event('health.status', { status: 'healthy' }));
    listener.onAgentNotification(event('agent.shutdown', { reason: 'SIGTERM', restart: false }));
    expect(metrics.record).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('a malformed sample costs one warning and records nothing', () => {
    listener.onAgentNotification(event('metrics.update', { ...GOOD, cpu: 'high', load: null }));
    expect(metrics.record).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      {
        agentId: 'agent-1',
        serverId: 'server-1',
        problems: ['cpu is not a finite number', 'load[0] is not a finite number'],
      },
      'agent sent a malformed metrics.update; sample ignored',
    );
  });

  it('never throws into the event emitter', () => {
    metrics.record.mockImplementation(() => {
      throw new Error('boom');
    });
    expect(() => listener.onAgentNotification(event('metrics.update', GOOD))).not.toThrow();
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('forgets a removed server', () => {
    listener.onServerRemoved({ serverId: 'server-1', name: 'web' });
    expect(metrics.forgetServer).toHaveBeenCalledWith('server-1');
  });
});
