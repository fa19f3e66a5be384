import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { randomToken } from '../common/crypto/tokens';
import { BCRYPT_MAX_PASSWORD_BYTES, normalizePassword } from './password/password-policy';

export const BCRYPT_COST = 12;

/**
 * bcrypt with cost 12. The async API hashes on libuv's thread pool, so the event loop keeps
 * serving while a hash runs. Passwords are NFKC-normalised; more than 72 bytes never match.
 */
@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return bcrypt.hash(normalizePassword(password), BCRYPT_COST);
  }

  /** Compares; with `hash` null (unknown user) compares against a dummy to take the same time. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const normalized = normalizePassword(password);
    const tooLong = Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES;
    this.dummyHash ??= bcrypt.hash(randomToken(), BCRYPT_COST);
    const matched = await bcrypt.compare(normalized, hash ?? (await this.dummyHash));
    return matched && hash !== null && !tooLong;
  }
}
