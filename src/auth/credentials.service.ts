import { Injectable } from '@nestjs/common';
import { Authenticator } from '../common/auth/authenticator';
import { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { API_TOKEN_PREFIX, ApiTokensService } from './api-tokens.service';
import { SessionTokens } from './session-tokens';
import { SessionsService } from './sessions.service';
import { UsersService } from './users.service';

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
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  async authenticate(bearer: string): Promise<Principal> {
    const principal = bearer.startsWith(API_TOKEN_PREFIX)
      ? await this.fromApiToken(bearer)
      : await this.fromJwt(bearer);
    if (!principal) throw new DomainError('UNAUTHORIZED', INVALID);
    return principal;
  }

  private async fromJwt(token: string): Promise<Principal | null> {
    const claims = this.tokens.verify(token);
    if (!claims) return null;
    const session = await this.sessions.findActive(claims.jti);
    if (!session || session.userId !== claims.sub) return null;
    const user = await this.users.findById(session.userId);
    if (!user?.isActive) return null;
    return {
      kind: 'user',
      userId: user.id,
      username: user.username,
      role: user.role,
      sessionId: session.id,
      readOnly: false,
    };
  }

  private async fromApiToken(secret: string): Promise<Principal | null> {
    const token = await this.apiTokens.findUsable(secret);
    if (!token) return null;
    const user = await this.users.findById(token.userId);
    if (!user?.isActive) return null;
    return {
      kind: 'api_token',
      userId: user.id,
      username: user.username,
      role: user.role,
      tokenId: token.id,
      readOnly: token.readOnly,
    };
  }
}
