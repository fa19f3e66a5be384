/**
 * Typed domain events, emitted after the change they describe has been committed. Listeners
 * (notifications, metrics, live events) react; the emitting service does not know them.
 */
export interface DomainEvents {
  'account.locked': { username: string; lockedUntil: string; attempts: number };
  'user.deleted': { userId: string; username: string };
  'session.revoked': { sessionId: string; userId: string; reason: string };
}

export type DomainEventName = keyof DomainEvents;
