/** Roles, lowest first. A caller with a role may do everything the roles below it may. */
export const ROLES = ['readonly', 'user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The minimum a route or tool demands: no credentials at all, or at least a role. */
export type Access = 'public' | Role;

const RANK: Record<Role, number> = { readonly: 0, user: 1, admin: 2 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}
