import { Injectable } from '@nestjs/common';
import { Authenticator } from '../common/auth/authenticator';
import { Principal, PrincipalAccount } from '../common/auth/principal';
import { constantTimeEqual, sha256Hex } from '../common/crypto/tokens';
import { DomainError } from '../common/errors/domain-error';
import { API_TOKEN_PREFIX, ApiTokensService } from './api-tokens.service';
import { CredentialLookup, CredentialRow } from './credential-lookup';
import { SessionTokens } from './session-tokens';
import { SessionsService } from './sessions.service';

const INVALID = 'The token is invalid, expired or revoked; log in again.';

/**
 * The one implementation of bearer authentication, for REST, MCP and WebSocket alike. Every
 * JWT is checked against its session row and its user, so logout, password change, role
 * change and disabling a user take effect on the next request.
 */
@Injectable()
export class CredentialsService implements Authenticator {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly lookup: CredentialLookup,
    private readonly sessions: SessionsService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  async authenticate(bearer: string, options: { touch?: boolean } = {}): Promise<Principal> {
    const touch = options.touch !== false;
    const principal = bearer.startsWith(API_TOKEN_PREFIX)
      ? await this.fromApiToken(bearer, touch)
      : await this.fromJwt(bearer, touch);
    if (!principal) throw new DomainError('UNAUTHORIZED', INVALID);
    return principal;
  }

  private async fromJwt(token: string, touch: boolean): Promise<Principal | null> {
    const claims = this.tokens.verify(token);
    if (!claims) return null;
    const row = this.lookup.session(claims.jti);
    if (!row?.userActive || row.userId !== claims.sub || !row.expiresAt || !row.lastUsedAt)
      return null;
    const status = this.sessions.statusOf({
      revokedAt: row.revokedAt,
      expiresAt: row.expiresAt,
      lastActivityAt: row.lastUsedAt,
    });
    if (status !== 'active') return null;
    if (touch) await this.sessions.touch(row.id, row.lastUsedAt);
    return {
      kind: 'user',
      userId: row.userId,
      username: row.username,
      role: row.role,
      sessionId: row.id,
      readOnly: false,
      account: accountOf(row),
    };
  }

  private async fromApiToken(secret: string, touch: boolean): Promise<Principal | null> {
    const hash = sha256Hex(secret);
    const row = this.lookup.apiToken(hash);
    if (
      !row?.userActive ||
      !row.tokenHash ||
      !constantTimeEqual(row.tokenHash, hash) ||
      row.revokedAt
    )
      return null;
    if (row.expiresAt && Date.parse(row.expiresAt) <= Date.now()) return null;
    if (touch) await this.apiTokens.touch(row.id, row.lastUsedAt);
    return {
      kind: 'api_token',
      userId: row.userId,
      username: row.username,
      role: row.role,
      tokenId: row.id,
      readOnly: row.readOnly,
      account: accountOf(row),
    };
  }
}

function accountOf(row: CredentialRow): PrincipalAccount {
  return {
    email: row.email,
    isActive: row.userActive,
    createdAt: row.userCreatedAt,
    lastLoginAt: row.lastLoginAt,
    readAtVersion: row.readAtVersion,
  };
}
