import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { BCRYPT_MAX_PASSWORD_BYTES, normalizePassword } from './password/password-policy';

export const BCRYPT_COST = 12;

/**
 * What an unknown username is compared against, so that it costs one cost-12 comparison like a
 * wrong password does. The hash of a random string nobody kept: it matches nothing.
 */
const DUMMY_HASH = '$2b$12$dGy/xe3ilOvG2Ag2bEnO5eZ9AUlqgzT7YHnAIf7yL5P6WKJuollqK';

/**
 * bcrypt with cost 12. The async API hashes on libuv's thread pool, so the event loop keeps
 * serving while a hash runs. Passwords are NFKC-normalised; more than 72 bytes never match.
 */
@Injectable()
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return bcrypt.hash(normalizePassword(password), BCRYPT_COST);
  }

  /** Compares; with `hash` null (unknown user) compares against a dummy to take the same time. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const normalized = normalizePassword(password);
    const tooLong = Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES;
    const matched = await bcrypt.compare(normalized, hash ?? DUMMY_HASH);
    return matched && hash !== null && !tooLong;
  }
}
