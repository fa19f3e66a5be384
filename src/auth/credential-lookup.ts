import { Injectable } from '@nestjs/common';
import type { Role } from '../common/auth/roles';
import { PreparedStatements } from '../database/prepared-statements';
import { TransactionRunner } from '../database/transaction-runner';

/** A session or API token together with its user: what one authenticated request needs. */
export interface CredentialRow {
  id: string;
  userId: string;
  username: string;
  role: Role;
  userActive: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Sessions: last activity; API tokens: last use. */
  lastUsedAt: string | null;
  readOnly: boolean;
  tokenHash: string | null;
  /** The rest of the user row, so that an operation about the caller need not read it again. */
  email: string | null;
  userCreatedAt: string;
  lastLoginAt: string | null;
  /** TransactionRunner.version when the row was read. */
  readAtVersion: number;
}

interface RawRow {
  id: string;
  user_id: string;
  username: string;
  role: Role;
  is_active: number | boolean;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  read_only: number | boolean;
  token_hash: string | null;
  email: string | null;
  user_created_at: string;
  last_login_at: string | null;
}

const USER_COLUMNS =
  'u.username, u.role, u.is_active, u.email, u.created_at AS user_created_at, u.last_login_at';
const SESSION_SQL = `SELECT s.id, s.user_id, ${USER_COLUMNS}, s.expires_at, s.revoked_at,
  s.last_activity_at AS last_used_at, 0 AS read_only, NULL AS token_hash
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;
const API_TOKEN_SQL = `SELECT t.id, t.user_id, ${USER_COLUMNS}, t.expires_at, t.revoked_at,
  t.last_used_at, t.read_only, t.token_hash
  FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`;

/**
 * The hot path of every authenticated request: one indexed read joining the credential and its
 * user (a prepared statement, no query building). Read-only; the services own the writes.
 */
@Injectable()
export class CredentialLookup {
  constructor(
    private readonly statements: PreparedStatements,
    private readonly transactions: TransactionRunner,
  ) {}

  session(sessionId: string): CredentialRow | null {
    return this.one(SESSION_SQL, sessionId);
  }

  apiToken(tokenHash: string): CredentialRow | null {
    return this.one(API_TOKEN_SQL, tokenHash);
  }

  private one(sql: string, key: string): CredentialRow | null {
    const readAtVersion = this.transactions.version;
    const row = this.statements.get<RawRow>(sql, key);
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      username: row.username,
      role: row.role,
      userActive: Boolean(row.is_active),
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      lastUsedAt: row.last_used_at,
      readOnly: Boolean(row.read_only),
      tokenHash: row.token_hash,
      email: row.email,
      userCreatedAt: row.user_created_at,
      lastLoginAt: row.last_login_at,
      readAtVersion,
    };
  }
}
