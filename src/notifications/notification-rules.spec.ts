import { Logger } from '@nestjs/common';
import type { ServerConnector } from '../servers/server-connector';
import type { ServerEntity } from '../servers/server.entity';
import { NotificationRules } from './notification-rules';
import type { NotificationDraft } from './notification-types';
import type { NotificationsService } from './notifications.service';

const install = (overrides: Record<string, unknown>) => ({
  installationId: 'inst-1',
  serverId: 'server-1',
  appId: 'builtin/grafana',
  name: 'Grafana',
  status: 'running',
  error: null,
  userId: 'user-1',
  operation: 'install' as const,
  ...overrides,
});

describe('NotificationRules', () => {
  let raised: NotificationDraft[];
  let rules: NotificationRules;

  beforeEach(() => {
    raised = [];
    const notifications = {
      raise: jest.fn((draft: NotificationDraft) => {
        raised.push(draft);
        return Promise.resolve([]);
      }),
    };
    const servers = {
      load: jest.fn((id: string) =>
        id === 'server-1'
          ? Promise.resolve({ name: 'web-1' } as ServerEntity)
          : Promise.reject(new Error('gone')),
      ),
    };
    rules = new NotificationRules(
      notifications as unknown as NotificationsService,
      servers as unknown as ServerConnector,
    );
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('an install that reaches running: the user who started it, success', async () => {
    await rules.onInstallationStatus(install({}));
    expect(raised).toEqual([
      {
        type: 'app.installed',
        severity: 'success',
        title: 'Grafana installed',
        message: 'Grafana is installed and running on web-1.',
        link: '/api/v1/apps/inst-1',
        recipients: { userIds: ['user-1'], admins: false },
      },
    ]);
  });

  it('a failure: that user and every admin, with the error', async () => {
    await rules.onInstallationStatus(
      install({ status: 'failed', error: 'Pull images failed: no such image' }),
    );
    expect(raised).toEqual([
      expect.objectContaining({
        type: 'app.failed',
        severity: 'error',
        message: expect.stringContaining('no such image'),
        recipients: { userIds: ['user-1'], admins: true },
      }),
    ]);
  });

  it('a failure without a user (recovery after a restart): the admins', async () => {
    await rules.onInstallationStatus(install({ status: 'failed', userId: null, operation: null }));
    expect(raised[0]?.recipients).toEqual({ userIds: [], admins: true });
  });

  it('an uninstall: removed for the user who asked', async () => {
    await rules.onInstallationStatus(install({ status: 'removed', operation: 'uninstall' }));
    expect(raised[0]).toMatchObject({
      type: 'app.removed',
      recipients: { userIds: ['user-1'], admins: false },
    });
  });

  it('steps of an install, start/stop and updates raise nothing', async () => {
    for (const status of ['pulling', 'creating', 'starting']) {
      await rules.onInstallationStatus(install({ status }));
    }
    await rules.onInstallationStatus(install({ status: 'running', operation: null }));
    await rules.onInstallationStatus(install({ status: 'stopped', operation: null }));
    expect(raised).toEqual([]);
  });

  it('agents: one notification per agent and state per minute; names the server', async () => {
    const agent = (status: string, agentId = 'agent-1') => ({
      agentId,
      serverId: 'server-1',
      status,
    });
    for (let flap = 0; flap < 3; flap++) {
      await rules.onAgentStatus(agent('connected'));
      await rules.onAgentStatus(agent('disconnected'));
    }
    await rules.onAgentStatus(agent('disconnected', 'agent-2'));
    await rules.onAgentStatus(agent('revoked'));
    expect(raised.map((draft) => [draft.type, draft.title, draft.recipients.admins])).toEqual([
      ['agent.connected', 'Agent on web-1 connected', true],
      ['agent.disconnected', 'Agent on web-1 disconnected', true],
      ['agent.disconnected', 'Agent on web-1 disconnected', true],
    ]);
  });

  it('servers: unreachable and auth failures are errors; coming back is a success', async () => {
    const change = (status: string, previousStatus: string, serverId = 'server-1') => ({
      serverId,
      status,
      previousStatus,
    });
    await rules.onServerStatus(change('unreachable', 'online'));
    await rules.onServerStatus(change('online', 'unreachable'));
    await rules.onServerStatus(change('auth_failed', 'online', 'server-9'));
    await rules.onServerStatus(change('host_key_changed', 'online'));
    await rules.onServerStatus(change('online', 'online'));
    expect(raised.map((draft) => [draft.type, draft.severity, draft.title])).toEqual([
      ['server.unreachable', 'error', 'web-1 cannot be reached'],
      ['server.online', 'success', 'web-1 is back online'],
      ['server.unreachable', 'error', 'server server-9 refused the stored credential'],
    ]);
  });

  it('host keys, locked accounts and backups go to the admins (a locked user too)', async () => {
    await rules.onHostKeyChanged({
      serverId: 'server-1',
      name: 'web-1',
      hostname: '10.0.0.5',
      pinnedFingerprint: 'SHA256:old',
      offeredFingerprint: 'SHA256:new',
    });
    await rules.onAccountLocked({
      username: 'rita',
      userId: 'user-7',
      lockedUntil: '2026-01-01T00:15:00.000Z',
      attempts: 5,
    });
    await rules.onAccountLocked({
      username: 'nobody',
      userId: null,
      lockedUntil: '2026-01-01T00:15:00.000Z',
      attempts: 5,
    });
    const backup = {
      backupId: 'b-1',
      trigger: 'schedule' as const,
      filename: 'tomo-1.tar',
      sizeBytes: 1024,
      error: null,
    };
    await rules.onBackupStatus({ ...backup, status: 'started' });
    await rules.onBackupStatus({ ...backup, status: 'finished' });
    await rules.onBackupStatus({
      ...backup,
      status: 'failed',
      error: 'disk full',
      sizeBytes: null,
    });
    expect(
      raised.map((draft) => [draft.type, draft.severity, draft.recipients, draft.message]),
    ).toEqual([
      [
        'server.host_key_changed',
        'error',
        { userIds: [], admins: true },
        expect.stringContaining('SHA256:new'),
      ],
      ['account.locked', 'warning', { userIds: ['user-7'], admins: true }, expect.any(String)],
      ['account.locked', 'warning', { userIds: [], admins: true }, expect.any(String)],
      [
        'backup.finished',
        'success',
        { userIds: [], admins: true },
        'Scheduled backup tomo-1.tar was written (1024 bytes).',
      ],
      [
        'backup.failed',
        'error',
        { userIds: [], admins: true },
        'Scheduled backup tomo-1.tar could not be written: disk full',
      ],
    ]);
  });

  it('a notification that cannot be raised is logged, never thrown at the emitter', async () => {
    (rules as unknown as { notifications: { raise: jest.Mock } }).notifications.raise = jest.fn(
      () => Promise.reject(new Error('database is locked')),
    );
    await expect(
      rules.onAccountLocked({
        username: 'rita',
        userId: null,
        lockedUntil: '2026-01-01T00:15:00.000Z',
        attempts: 5,
      }),
    ).resolves.toBeUndefined();
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      expect.stringContaining('database is locked'),
    );
  });
});
