import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A short, non-secret name of a key, stored in each envelope so a wrong key is named. */
export function keyId(key: Buffer): string {
  return createHash('sha256')
    .update('tomo-secret-box-key-id')
    .update(key)
    .digest('hex')
    .slice(0, 8);
}

export class SecretBoxError extends Error {}

/**
 * Seals secrets at rest with AES-256-GCM: a random 96-bit nonce per seal, a versioned envelope
 * `v1:<key id>:<nonce>:<ciphertext+tag>` (base64url), and associated data binding the envelope
 * to its row and column, so a sealed value copied to another row or column does not open.
 *
 * `keys[0]` seals; every key opens what it sealed (a rotation interrupted half-way leaves
 * envelopes under two keys, and both must still open).
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  private readonly sealingKey: Buffer;

  constructor(keys: Buffer[]) {
    const [sealingKey] = keys;
    if (!sealingKey) throw new SecretBoxError('no encryption key configured');
    for (const key of keys) {
      if (key.length !== 32) throw new SecretBoxError('an encryption key must be 32 bytes');
      this.keys.set(keyId(key), key);
    }
    this.sealingKey = sealingKey;
  }

  get sealingKeyId(): string {
    return keyId(this.sealingKey);
  }

  seal(plaintext: string, associatedData: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealingKey, nonce);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const sealed = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [
      VERSION,
      keyId(this.sealingKey),
      nonce.toString('base64url'),
      sealed.toString('base64url'),
    ].join(':');
  }

  open(envelope: string, associatedData: string): string {
    const [version, id, nonceText, sealedText, ...rest] = envelope.split(':');
    if (version !== VERSION || !id || !nonceText || !sealedText || rest.length > 0) {
      throw new SecretBoxError('not a sealed secret (unknown envelope version)');
    }
    const key = this.keys.get(id);
    if (!key) {
      throw new SecretBoxError(
        `sealed under encryption key ${id}, but the configured key is ${this.sealingKeyId}`,
      );
    }
    const nonce = Buffer.from(nonceText, 'base64url');
    const sealed = Buffer.from(sealedText, 'base64url');
    if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) {
      throw new SecretBoxError('sealed secret is truncated');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed secret failed authentication (altered or moved)');
    }
  }

  /** True when the envelope is sealed under a key other than the sealing key. */
  needsResealing(envelope: string): boolean {
    return envelope.split(':')[1] !== this.sealingKeyId;
  }
}
