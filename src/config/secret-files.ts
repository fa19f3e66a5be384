import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The generated key that seals stored credentials, in the data directory. */
export const ENCRYPTION_KEY_FILE = 'encryption-key';
/**
 * Key rotation writes the new key to `<key file>.next` before re-sealing and renames it over the
 * key file after the re-sealing committed; a `.next` file found at startup means a rotation
 * stopped half-way, so both keys are loaded and every envelope still opens.
 */
export const NEXT_KEY_SUFFIX = '.next';

/** A base64 key file that may be absent: [key] or []. */
export function readOptionalKeyFile(path: string): Buffer[] {
  if (!existsSync(path)) return [];
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  return key.length === 32 ? [key] : [];
}

/** Creates the data directory, private to the user running Tomo. */
export function ensureDataDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
}

/**
 * Reads a generated secret from `<dataDirectory>/<name>`, creating it (mode 0600) with
 * `bytes` random bytes, base64-encoded, when it does not exist yet.
 */
export function readOrCreateSecretFile(dataDirectory: string, name: string, bytes = 32): string {
  const path = join(dataDirectory, name);
  if (!existsSync(path)) {
    writeFileSync(path, randomBytes(bytes).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}
