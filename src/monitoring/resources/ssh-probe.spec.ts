import { Logger } from '@nestjs/common';
import type { ServersService } from '../../servers/servers.service';
import type { SettingsService } from '../../settings/settings.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { ResourceFigures } from './resource-reading';
import type { ResourceReader } from './resource-reader';
import { SshProbe } from './ssh-probe';

const FIGURES: ResourceFigures = {
  cpu_percent: 1,
  memory_used_bytes: 2,
  memory_total_bytes: 4,
  memory_percent: 50,
  disk_used_bytes: 1,
  disk_total_bytes: 10,
  disk_percent: 10,
  load_1: 0.5,
  load_5: 0.4,
  load_15: 0.3,
  net_rx_bytes: 100,
  net_tx_bytes: 200,
};

describe('SshProbe', () => {
  let servers: { list: jest.Mock };
  let reader: { hasAgent: jest.Mock; viaSsh: jest.Mock };
  let metrics: { record: jest.Mock };
  let interval: number;
  let probe: SshProbe;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    interval = 60;
    servers = {
      list: jest.fn().mockResolvedValue({
        items: [{ id: 'with-agent' }, { id: 'ssh-only' }, { id: 'broken' }],
        total: 3,
      }),
    };
    reader = {
      hasAgent: jest.fn((id: string) => id === 'with-agent'),
      viaSsh: jest.fn((id: string) =>
        id === 'broken'
          ? Promise.reject(new Error('connection refused'))
          : Promise.resolve({ method: 'ssh', figures: FIGURES, sampledAtMs: 1234 }),
      ),
    };
    metrics = { record: jest.fn() };
    const settings = { get: jest.fn(() => interval) };
    probe = new SshProbe(
      servers as unknown as ServersService,
      reader as unknown as ResourceReader,
      metrics as unknown as MetricsService,
      settings as unknown as SettingsService,
    );
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await probe.onApplicationShutdown();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('samples online servers without an agent; one failure costs only its own sample', async () => {
    await probe.probeAll();
    expect(servers.list).toHaveBeenCalledWith({ status: 'online', limit: 500, offset: 0 });
    expect(reader.viaSsh.mock.calls.map(([id]) => id as string).sort()).toEqual([
      'broken',
      'ssh-only',
    ]);
    expect(metrics.record).toHaveBeenCalledTimes(1);
    expect(metrics.record).toHaveBeenCalledWith(
      'ssh-only',
      {
        cpu_percent: 1,
        memory_percent: 50,
        disk_percent: 10,
        load_1: 0.5,
        net_rx_bytes: 100,
        net_tx_bytes: 200,
      },
      1234,
    );
    expect(warn).toHaveBeenCalledWith(
      { serverId: 'broken', error: 'connection refused' },
      'SSH metrics probe failed',
    );
  });

  it('runs every interval, reads the setting before each wait, and 0 turns it off', async () => {
    probe.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(servers.list).toHaveBeenCalledTimes(1);
    interval = 0;
    probe.onSettingChanged({
      scope: 'system',
      key: 'monitoring.ssh_probe_interval',
      userId: null,
      value: 0,
    } as never);
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(servers.list).toHaveBeenCalledTimes(1);
    interval = 5;
    probe.onSettingChanged({
      scope: 'system',
      key: 'monitoring.ssh_probe_interval',
      userId: null,
      value: 5,
    } as never);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(servers.list).toHaveBeenCalledTimes(2);
  });

  it('a failing server list is logged, never thrown', async () => {
    servers.list.mockRejectedValue(new Error('database is locked'));
    await expect(probe.probeAll()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      { err: expect.any(Error) },
      'SSH metrics probe could not list servers',
    );
  });
});
