import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
