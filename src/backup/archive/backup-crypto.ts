import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

/** scrypt cost of a passphrase: 2^15 × 8 × 128 bytes = 32 MiB and about 0.1 s per derivation. */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** What a wrapped key is: its AAD (a key can't be passed off as the other) and allowed sizes. */
const WRAPPED = {
  'encryption-key': { aad: Buffer.from('tomo-backup:encryption-key', 'utf8'), min: 32, max: 32 },
  // TOMO_AUDIT_KEY is at least 32 bytes, of any length; the generated one is 44 (base64 text).
  'audit-key': { aad: Buffer.from('tomo-backup:audit-key', 'utf8'), min: 32, max: 1024 },
} as const;
export type WrappedKeyKind = keyof typeof WRAPPED;
/** The longest audit key a backup can carry (bytes). */
export const MAX_AUDIT_KEY_BYTES = WRAPPED['audit-key'].max;

export interface KdfParams {
  name: 'scrypt';
  salt: string;
  N: number;
  r: number;
  p: number;
}

/** The keys a passphrase yields: one encrypts the payload and wraps the key, one MACs the manifest. */
export interface PassphraseKeys {
  cipherKey: Buffer;
  macKey: Buffer;
}

export class BackupPassphraseError extends Error {}

export function newKdfParams(): KdfParams {
  return { name: 'scrypt', salt: randomBytes(16).toString('base64'), ...SCRYPT_PARAMS };
}

/** Derives the payload and manifest keys from the passphrase (scrypt, 64 bytes split in two). */
export async function deriveKeys(passphrase: string, kdf: KdfParams): Promise<PassphraseKeys> {
  const derived = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFC'),
      Buffer.from(kdf.salt, 'base64'),
      64,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: SCRYPT_MAXMEM },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
  return { cipherKey: derived.subarray(0, 32), macKey: derived.subarray(32) };
}

/** AES-256-GCM of one of the installation's keys under the passphrase key. */
export function wrapKey(
  keys: PassphraseKeys,
  key: Buffer,
  kind: WrappedKeyKind = 'encryption-key',
): { nonce: string; sealed: string } {
  const { aad, min, max } = WRAPPED[kind];
  if (key.length < min || key.length > max) throw new Error(`the ${kind} has an invalid length`);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.cipherKey, nonce);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(key), cipher.final(), cipher.getAuthTag()]);
  return { nonce: nonce.toString('base64'), sealed: sealed.toString('base64') };
}

/** Opens a wrapped key; a wrong passphrase fails the GCM tag and throws BackupPassphraseError. */
export function unwrapKey(
  keys: PassphraseKeys,
  wrapped: { nonce: string; sealed: string },
  kind: WrappedKeyKind = 'encryption-key',
): Buffer {
  const { aad, min, max } = WRAPPED[kind];
  const sealed = Buffer.from(wrapped.sealed, 'base64');
  const nonce = Buffer.from(wrapped.nonce, 'base64');
  const length = sealed.length - TAG_BYTES;
  if (nonce.length !== NONCE_BYTES || length < min || length > max) {
    throw new BackupPassphraseError('the wrapped key is malformed');
  }
  const decipher = createDecipheriv('aes-256-gcm', keys.cipherKey, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(length));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, length)), decipher.final()]);
  } catch {
    throw new BackupPassphraseError('wrong passphrase');
  }
}

export function manifestMac(keys: PassphraseKeys, manifestText: string): string {
  return createHmac('sha256', keys.macKey).update(manifestText, 'utf8').digest('base64');
}

export function macMatches(keys: PassphraseKeys, manifestText: string, mac: string): boolean {
  const expected = Buffer.from(manifestMac(keys, manifestText), 'base64');
  const given = Buffer.from(mac, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
