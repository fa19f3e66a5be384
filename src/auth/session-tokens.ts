import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The claims Tomo puts in a session JWT. `jti` is the session id. */
export interface SessionClaims {
  sub: string;
  jti: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

/** Signs and verifies session JWTs: HS256 only, issuer, audience, expiry and `typ` checked. */
@Injectable()
export class SessionTokens {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  sign(userId: string, sessionId: string, expiresAt: string): string {
    return this.jwt.sign(
      { sub: userId, exp: Math.floor(Date.parse(expiresAt) / 1000) },
      {
        secret: this.config.jwt.secret,
        algorithm: 'HS256',
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        jwtid: sessionId,
        header: { alg: 'HS256', typ: 'JWT' },
      },
    );
  }

  /** The claims of a valid token, or null for anything else (never throws). */
  verify(token: string): SessionClaims | null {
    try {
      const decoded = this.jwt.decode<{ header?: { typ?: unknown } } | null>(token, {
        complete: true,
      });
      if (!decoded || decoded.header?.typ !== 'JWT') return null;
      const claims = this.jwt.verify<SessionClaims>(token, {
        secret: this.config.jwt.secret,
        algorithms: ['HS256'],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        clockTolerance: 0,
      });
      if (
        typeof claims.jti !== 'string' ||
        typeof claims.sub !== 'string' ||
        typeof claims.exp !== 'number'
      )
        return null;
      return claims;
    } catch {
      return null;
    }
  }
}
