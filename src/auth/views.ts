import { ROLES, Role } from '../common/auth/roles';
import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import type { AccountLockEntity } from './entities/account-lock.entity';
import type { ApiTokenEntity } from './entities/api-token.entity';
import type { SessionEntity } from './entities/session.entity';
import type { UserEntity } from './entities/user.entity';

/** user = {id, username, email, role, is_active, created_at, last_login_at} (TOOLS.md). */
export interface UserView {
  id: string;
  username: string;
  email: string | null;
  role: Role;
  is_active: boolean;
  created_at: string;
  last_login_at: string | null;
}

export function toUserView(user: UserEntity): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    role: user.role,
    is_active: user.isActive,
    created_at: user.createdAt,
    last_login_at: user.lastLoginAt,
  };
}

export const USER_SCHEMA = objectSchema({
  id: str('uuid'),
  username: str(),
  email: nullable(str()),
  role: enumOf(ROLES),
  is_active: bool(),
  created_at: str('date-time'),
  last_login_at: nullable(str('date-time')),
});
export const USER_LIST_SCHEMA = listSchema(USER_SCHEMA);

export interface LoginResult {
  token: string;
  token_type: 'Bearer';
  expires_at: string;
  user: UserView;
}

export const LOGIN_SCHEMA = objectSchema({
  token: str(),
  token_type: enumOf(['Bearer']),
  expires_at: str('date-time'),
  user: USER_SCHEMA,
});

export type SessionStatus = 'active' | 'expired' | 'revoked';

export interface SessionView {
  id: string;
  user_id: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
  last_activity_at: string;
  expires_at: string;
  status: SessionStatus;
  current: boolean;
}

export function toSessionView(
  session: SessionEntity,
  status: SessionStatus,
  currentSessionId?: string,
): SessionView {
  return {
    id: session.id,
    user_id: session.userId,
    ip_address: session.ipAddress,
    user_agent: session.userAgent,
    created_at: session.createdAt,
    last_activity_at: session.lastActivityAt,
    expires_at: session.expiresAt,
    status,
    current: session.id === currentSessionId,
  };
}

export const SESSION_LIST_SCHEMA = listSchema(
  objectSchema({
    id: str('uuid'),
    user_id: str('uuid'),
    ip_address: nullable(str()),
    user_agent: nullable(str()),
    created_at: str('date-time'),
    last_activity_at: str('date-time'),
    expires_at: str('date-time'),
    status: enumOf(['active', 'expired', 'revoked']),
    current: bool(),
  }),
);

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  read_only: boolean;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export function toApiTokenView(token: ApiTokenEntity): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    prefix: token.tokenPrefix,
    read_only: token.readOnly,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    last_used_at: token.lastUsedAt,
  };
}

const API_TOKEN_PROPERTIES = {
  id: str('uuid'),
  name: str(),
  prefix: str(),
  read_only: bool(),
  created_at: str('date-time'),
  expires_at: nullable(str('date-time')),
  last_used_at: nullable(str('date-time')),
};
export const API_TOKEN_LIST_SCHEMA = listSchema(objectSchema(API_TOKEN_PROPERTIES));
export const CREATED_API_TOKEN_SCHEMA = objectSchema({ ...API_TOKEN_PROPERTIES, token: str() });

export interface LockedAccountView {
  username: string;
  attempts: number;
  locked_until: string | null;
}

export function toLockedAccountView(lock: AccountLockEntity): LockedAccountView {
  return { username: lock.username, attempts: lock.failedAttempts, locked_until: lock.lockedUntil };
}

export const LOCKED_ACCOUNT_LIST_SCHEMA = listSchema(
  objectSchema({ username: str(), attempts: int(), locked_until: nullable(str('date-time')) }),
);
