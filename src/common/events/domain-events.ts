/**
 * Typed domain events, emitted after the change they describe has been committed. Listeners
 * (notifications, metrics, live events) react; the emitting service does not know them.
 */
export interface DomainEvents {
  /** `userId`: the account's user, or null when the name belongs to no user. */
  'account.locked': {
    username: string;
    userId: string | null;
    lockedUntil: string;
    attempts: number;
  };
  'user.deleted': { userId: string; username: string };
  'session.revoked': { sessionId: string; userId: string; reason: string };
  /** An API token was revoked (live sockets opened with it close). */
  'api_token.revoked': { tokenId: string; userId: string };
  'server.status_changed': { serverId: string; status: string; previousStatus: string };
  /** A server offered a host key other than the pinned one; nothing was sent to it. */
  'server.host_key_changed': {
    serverId: string;
    name: string;
    hostname: string;
    pinnedFingerprint: string | null;
    offeredFingerprint: string;
  };
  'server.removed': { serverId: string; name: string };
  /** A step of an install, update or uninstall began (progress of `total` steps). */
  'installation.progress': {
    installationId: string;
    serverId: string;
    progress: number;
    total: number;
    message: string;
  };
  'installation.status': {
    installationId: string;
    serverId: string;
    appId: string;
    /** The app's display name. */
    name: string;
    status: string;
    error: string | null;
    /** The user who started the install or uninstall this change belongs to; null otherwise. */
    userId: string | null;
    /** Set for the changes of install_app/deploy_app and uninstall_app (notifications). */
    operation: 'install' | 'uninstall' | null;
  };
  'agent.status_changed': { agentId: string; serverId: string; status: string };
  /** A JSON-RPC notification from an agent (metrics.update, health.status, agent.shutdown). */
  'agent.notification': {
    agentId: string;
    serverId: string;
    method: string;
    params: Record<string, unknown>;
  };
  /** A system setting, or one user's override of a user-scoped setting, changed or was reset. */
  'setting.changed': {
    scope: 'system' | 'user';
    key: string;
    /** The user whose override changed; null for a system setting. */
    userId: string | null;
    value: unknown;
  };
  /** A notification was stored for one user (pushed live as `notification.created`). */
  'notification.created': {
    notificationId: string;
    userId: string;
    type: string;
    severity: 'info' | 'success' | 'warning' | 'error';
    title: string;
    message: string;
    link: string | null;
    createdAt: string;
  };
  /** A backup began, was written (finished) or could not be written (failed). */
  'backup.status': {
    backupId: string | null;
    status: 'started' | 'finished' | 'failed';
    trigger: 'manual' | 'schedule';
    filename: string | null;
    sizeBytes: number | null;
    error: string | null;
  };
  /** The database was replaced by a backup (the process now serves the restored data). */
  'backup.restored': { backupId: string; preRestoreFile: string };
}

export type DomainEventName = keyof DomainEvents;
