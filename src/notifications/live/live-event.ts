import { Role, roleAtLeast } from '../../common/auth/roles';

/**
 * Who may receive a live event: every signed-in user (what any role may read), one user, or
 * the users with at least a role (what only admins may read, like backups).
 */
export type Audience =
  { kind: 'everyone' } | { kind: 'user'; userId: string } | { kind: 'role'; minimum: Role };

/** One frame of `/ws/events`: `{type: "event", event, data, timestamp}` (DESIGN.md). */
export interface LiveEvent {
  event: string;
  data: Record<string, unknown>;
  audience: Audience;
}

export const EVERYONE: Audience = { kind: 'everyone' };
export const ADMINS: Audience = { kind: 'role', minimum: 'admin' };

/** Whether a signed-in caller is in an event's audience. */
export function inAudience(audience: Audience, caller: { userId: string; role: Role }): boolean {
  switch (audience.kind) {
    case 'everyone':
      return true;
    case 'user':
      return audience.userId === caller.userId;
    case 'role':
      return roleAtLeast(caller.role, audience.minimum);
  }
}

const PATTERN = /^(?:\*|[a-z_]+\.(?:\*|[a-z_]+))$/;
export const MAX_PATTERNS = 32;

/** Checks a `subscribe` frame's `events`: names (`agent.status`) or `<prefix>.*` or `*`. */
export function parsePatterns(value: unknown): string[] | string {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PATTERNS) {
    return `"events" must be a list of 1 to ${MAX_PATTERNS} event names or patterns like "installation.*"`;
  }
  const bad: unknown = (value as unknown[]).find(
    (item) => typeof item !== 'string' || !PATTERN.test(item),
  );
  if (bad !== undefined) {
    return `"events" entry ${JSON.stringify(bad).slice(0, 80)} is not an event name or pattern like "installation.*"`;
  }
  return value as string[];
}

/** Whether an event name matches any of the patterns (null: no subscription, everything). */
export function matches(patterns: readonly string[] | null, event: string): boolean {
  if (patterns === null) return true;
  return patterns.some(
    (pattern) =>
      pattern === '*' ||
      pattern === event ||
      (pattern.endsWith('.*') && event.startsWith(pattern.slice(0, -1))),
  );
}
