import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey, KeyObject } from 'node:crypto';
import { sign, verify } from 'jsonwebtoken';
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

/**
 * Signs and verifies session JWTs: HS256 only, issuer, audience, expiry and `typ` checked.
 * jsonwebtoken is used directly with a KeyObject: given a string secret it first tries to parse
 * it as a public key on every verify, which costs ~40× the HMAC itself.
 */
@Injectable()
export class SessionTokens {
  private readonly key: KeyObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.jwt.secret, 'utf8'));
  }

  sign(userId: string, sessionId: string, expiresAt: string): string {
    return sign({ sub: userId, exp: Math.floor(Date.parse(expiresAt) / 1000) }, this.key, {
      algorithm: 'HS256',
      issuer: this.config.jwt.issuer,
      audience: this.config.jwt.audience,
      jwtid: sessionId,
      header: { alg: 'HS256', typ: 'JWT' },
    });
  }

  /** The claims of a valid token, or null for anything else (never throws). */
  verify(token: string): SessionClaims | null {
    try {
      const { header, payload } = verify(token, this.key, {
        complete: true,
        algorithms: ['HS256'],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        clockTolerance: 0,
      });
      if (header.typ !== 'JWT' || typeof payload !== 'object') return null;
      const claims = payload as Partial<SessionClaims>;
      if (
        typeof claims.jti !== 'string' ||
        typeof claims.sub !== 'string' ||
        typeof claims.exp !== 'number'
      )
        return null;
      return claims as SessionClaims;
    } catch {
      return null;
    }
  }
}
