import type { DomainEvents } from '../common/events/domain-events';
import type { ActivityEntryEntity } from './activity-entry.entity';

/** The domain events the activity feed tells. */
export const ACTIVITY_EVENTS = [
  'installation.status',
  'agent.status_changed',
  'server.status_changed',
  'server.removed',
  'backup.status',
  'setting.changed',
  'account.locked',
] as const satisfies readonly (keyof DomainEvents)[];
export type ActivityEvent = (typeof ACTIVITY_EVENTS)[number];

export type ActivityRow = Omit<ActivityEntryEntity, 'id' | 'timestamp'>;

const MAX_SUMMARY = 512;

/** The feed line of one event: a short sentence and what it is about. */
export function summarize<E extends ActivityEvent>(
  event: E,
  payload: DomainEvents[E],
): ActivityRow {
  const row = describe(event, payload);
  return { ...row, event, summary: oneLine(row.summary) };
}

function describe(
  event: ActivityEvent,
  payload: DomainEvents[ActivityEvent],
): Omit<ActivityRow, 'event'> {
  switch (event) {
    case 'installation.status': {
      const p = payload as DomainEvents['installation.status'];
      return {
        summary: `App ${p.appId} on server ${p.serverId} is ${p.status}${p.error ? `: ${p.error}` : ''}`,
        targetType: 'installation',
        targetId: p.installationId,
        actorId: null,
      };
    }
    case 'agent.status_changed': {
      const p = payload as DomainEvents['agent.status_changed'];
      return {
        summary: `Agent of server ${p.serverId} is ${p.status}`,
        targetType: 'agent',
        targetId: p.agentId,
        actorId: null,
      };
    }
    case 'server.status_changed': {
      const p = payload as DomainEvents['server.status_changed'];
      return {
        summary: `Server ${p.serverId} went from ${p.previousStatus} to ${p.status}`,
        targetType: 'server',
        targetId: p.serverId,
        actorId: null,
      };
    }
    case 'server.removed': {
      const p = payload as DomainEvents['server.removed'];
      return {
        summary: `Server "${p.name}" was removed`,
        targetType: 'server',
        targetId: p.serverId,
        actorId: null,
      };
    }
    case 'backup.status': {
      const p = payload as DomainEvents['backup.status'];
      const what = p.filename ? ` ${p.filename}` : '';
      return {
        summary: `Backup${what} ${p.status} (${p.trigger})${p.error ? `: ${p.error}` : ''}`,
        targetType: 'backup',
        targetId: p.backupId,
        actorId: null,
      };
    }
    case 'setting.changed': {
      const p = payload as DomainEvents['setting.changed'];
      return {
        summary:
          p.scope === 'system'
            ? `System setting ${p.key} was changed`
            : `A user changed their setting ${p.key}`,
        targetType: 'setting',
        targetId: p.key,
        actorId: p.userId,
      };
    }
    case 'account.locked': {
      const p = payload as DomainEvents['account.locked'];
      return {
        summary: `Account "${p.username}" was locked after ${p.attempts} failed logins, until ${p.lockedUntil}`,
        targetType: 'user',
        targetId: p.username,
        actorId: null,
      };
    }
  }
}

/** Control characters (CR, LF, …) become spaces; long summaries are cut. */
function oneLine(text: string): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ');
  return flat.length <= MAX_SUMMARY ? flat : `${flat.slice(0, MAX_SUMMARY - 1)}…`;
}
