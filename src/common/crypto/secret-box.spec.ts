import { randomBytes } from 'node:crypto';
import { keyId, SecretBox } from './secret-box';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox([key]);

  it('seals into a v1 envelope naming its key, and opens it again', () => {
    const sealed = box.seal('hunter2 with spaces', 'servers:1:credential');
    expect(sealed).toMatch(new RegExp(`^v1:${keyId(key)}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$`));
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed, 'servers:1:credential')).toBe('hunter2 with spaces');
  });

  it('uses a fresh nonce for every seal', () => {
    expect(box.seal('same', 'ad')).not.toBe(box.seal('same', 'ad'));
  });

  it('does not open an envelope moved to another row or column', () => {
    const sealed = box.seal('secret', 'servers:1:credential');
    expect(() => box.open(sealed, 'servers:2:credential')).toThrow(/failed authentication/);
    expect(() => box.open(sealed, 'servers:1:passphrase')).toThrow(/failed authentication/);
  });

  it('detects a flipped bit in the ciphertext', () => {
    const sealed = box.seal('secret', 'ad');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join(':'), 'ad')).toThrow(/failed authentication/);
  });

  it('names the key an envelope needs when another key is configured', () => {
    const other = new SecretBox([randomBytes(32)]);
    const sealed = box.seal('secret', 'ad');
    expect(() => other.open(sealed, 'ad')).toThrow(
      `sealed under encryption key ${keyId(key)}, but the configured key is ${other.sealingKeyId}`,
    );
  });

  it('opens envelopes of every configured key and seals with the first', () => {
    const next = randomBytes(32);
    const rotated = new SecretBox([next, key]);
    const old = box.seal('secret', 'ad');
    expect(rotated.open(old, 'ad')).toBe('secret');
    expect(rotated.needsResealing(old)).toBe(true);
    const fresh = rotated.seal('secret', 'ad');
    expect(rotated.needsResealing(fresh)).toBe(false);
    expect(new SecretBox([next]).open(fresh, 'ad')).toBe('secret');
  });

  it('refuses what is not an envelope', () => {
    expect(() => box.open('plaintext', 'ad')).toThrow(/not a sealed secret/);
    expect(() => box.open('v2:a:b:c', 'ad')).toThrow(/not a sealed secret/);
  });
});
