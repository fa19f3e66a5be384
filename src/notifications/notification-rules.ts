import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../common/events/domain-events';
import { ServerConnector } from '../servers/server-connector';
import { FloodGuard } from './flood-guard';
import type { NotificationDraft } from './notification-types';
import { NotificationsService } from './notifications.service';

/** One notification per agent (or server) and state per minute at most. */
export const FLOOD_WINDOW_MS = 60_000;
const ADMINS = { userIds: [], admins: true };
const PROBLEM_STATUSES: Record<string, string> = {
  unreachable: 'cannot be reached',
  auth_failed: 'refused the stored credential',
};

/**
 * Turns domain events into notifications (TOOLS.md "notifications"): an app installed or removed
 * goes to the user who asked for it, a failure also to every admin; agents, servers, locked
 * accounts and backups go to the admins.
 */
@Injectable()
export class NotificationRules {
  private readonly logger = new Logger(NotificationRules.name);
  private readonly flood = new FloodGuard(FLOOD_WINDOW_MS);

  constructor(
    private readonly notifications: NotificationsService,
    private readonly servers: ServerConnector,
  ) {}

  @OnEvent('installation.status')
  async onInstallationStatus(event: DomainEvents['installation.status']): Promise<void> {
    const owner = event.userId ? [event.userId] : [];
    const app = `${event.name ?? event.appId}`;
    const link = `/api/v1/apps/${event.installationId}`;
    if (event.status === 'failed') {
      const what = event.operation === 'uninstall' ? 'Removing' : 'Installing or changing';
      await this.raise({
        type: 'app.failed',
        severity: 'error',
        title: `${app} failed`,
        message: `${what} ${app} on ${await this.serverName(event.serverId)} failed: ${event.error ?? 'see the installation steps'}`,
        link,
        recipients: { userIds: owner, admins: true },
      });
    } else if (event.status === 'running' && event.operation === 'install') {
      await this.raise({
        type: 'app.installed',
        severity: 'success',
        title: `${app} installed`,
        message: `${app} is installed and running on ${await this.serverName(event.serverId)}.`,
        link,
        recipients: { userIds: owner, admins: false },
      });
    } else if (event.status === 'removed' && event.operation === 'uninstall') {
      await this.raise({
        type: 'app.removed',
        severity: 'info',
        title: `${app} removed`,
        message: `${app} was removed from ${await this.serverName(event.serverId)}.`,
        link,
        recipients: { userIds: owner, admins: false },
      });
    }
  }

  @OnEvent('agent.status_changed')
  async onAgentStatus(event: DomainEvents['agent.status_changed']): Promise<void> {
    if (event.status !== 'connected' && event.status !== 'disconnected') return;
    if (!this.flood.allow(`agent:${event.agentId}:${event.status}`)) return;
    const server = await this.serverName(event.serverId);
    const connected = event.status === 'connected';
    await this.raise({
      type: connected ? 'agent.connected' : 'agent.disconnected',
      severity: connected ? 'success' : 'warning',
      title: connected ? `Agent on ${server} connected` : `Agent on ${server} disconnected`,
      message: connected
        ? `The agent on ${server} is connected; commands and deployments go through it.`
        : `The agent on ${server} disconnected; Tomo falls back to SSH until it is back.`,
      link: `/api/v1/servers/${event.serverId}/agent`,
      recipients: ADMINS,
    });
  }

  @OnEvent('server.status_changed')
  async onServerStatus(event: DomainEvents['server.status_changed']): Promise<void> {
    const problem = PROBLEM_STATUSES[event.status];
    const recovered = event.status === 'online' && event.previousStatus in PROBLEM_STATUSES;
    const keyAccepted = event.status === 'online' && event.previousStatus === 'host_key_changed';
    if (!problem && !recovered && !keyAccepted) return;
    if (!this.flood.allow(`server:${event.serverId}:${event.status}`)) return;
    const server = await this.serverName(event.serverId);
    const link = `/api/v1/servers/${event.serverId}`;
    await this.raise(
      problem
        ? {
            type: 'server.unreachable',
            severity: 'error',
            title: `${server} ${problem}`,
            message: `${server} ${problem} (it was ${event.previousStatus}); apps on it cannot be managed over SSH until it is back.`,
            link,
            recipients: ADMINS,
          }
        : {
            type: 'server.online',
            severity: 'success',
            title: `${server} is back online`,
            message: `${server} is reachable again (it was ${event.previousStatus}).`,
            link,
            recipients: ADMINS,
          },
    );
  }

  @OnEvent('server.host_key_changed')
  async onHostKeyChanged(event: DomainEvents['server.host_key_changed']): Promise<void> {
    await this.raise({
      type: 'server.host_key_changed',
      severity: 'error',
      title: `Host key of ${event.name} changed`,
      message: `${event.name} (${event.hostname}) offered the host key ${event.offeredFingerprint} instead of the pinned ${event.pinnedFingerprint ?? '(none)'}. Nothing was sent to it; if the change is expected, accept the new key (accept_host_key).`,
      link: `/api/v1/servers/${event.serverId}`,
      recipients: ADMINS,
    });
  }

  @OnEvent('account.locked')
  async onAccountLocked(event: DomainEvents['account.locked']): Promise<void> {
    await this.raise({
      type: 'account.locked',
      severity: 'warning',
      title: `Account ${event.username} locked`,
      message: `The account ${event.username} was locked after ${event.attempts} failed logins, until ${event.lockedUntil} (an admin's unlock_account ends it sooner).`,
      link: '/api/v1/users/locked',
      // The user too: someone may be guessing their password.
      recipients: { userIds: event.userId ? [event.userId] : [], admins: true },
    });
  }

  @OnEvent('backup.status')
  async onBackupStatus(event: DomainEvents['backup.status']): Promise<void> {
    if (event.status === 'started') return;
    const finished = event.status === 'finished';
    const trigger = event.trigger === 'schedule' ? 'Scheduled backup' : 'Backup';
    const file = event.filename ? ` ${event.filename}` : '';
    const size = event.sizeBytes === null ? '' : ` (${event.sizeBytes} bytes)`;
    await this.raise({
      type: finished ? 'backup.finished' : 'backup.failed',
      severity: finished ? 'success' : 'error',
      title: finished ? `${trigger} finished` : `${trigger} failed`,
      message: finished
        ? `${trigger}${file} was written${size}.`
        : `${trigger}${file} could not be written: ${event.error ?? 'unknown error'}`,
      link: '/api/v1/backups',
      recipients: ADMINS,
    });
  }

  /** Never throws: a notification that cannot be raised is logged, not a failed operation. */
  private async raise(draft: NotificationDraft): Promise<void> {
    try {
      await this.notifications.raise(draft);
    } catch (error) {
      this.logger.warn(`notification ${draft.type} was not raised: ${String(error)}`);
    }
  }

  private async serverName(serverId: string): Promise<string> {
    try {
      return (await this.servers.load(serverId)).name;
    } catch {
      return `server ${serverId}`;
    }
  }
}
