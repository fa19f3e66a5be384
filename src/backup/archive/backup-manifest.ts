import type { KdfParams } from './backup-crypto';
import { BackupFormatError } from './backup-format-error';

export const MANIFEST_TRIGGERS = ['manual', 'schedule', 'upload', 'pre-restore'] as const;

/** manifest.json of a backup (docs/backup.md lists the fields). */
export interface BackupManifest {
  format: 'tomo-backup';
  format_version: number;
  app_version: string;
  /** Name of the last migration applied to the backed-up database. */
  schema_version: string;
  created_at: string;
  trigger: (typeof MANIFEST_TRIGGERS)[number];
  note: string | null;
  database: { size_bytes: number; sha256: string };
  source_key_id: string;
  encrypted: boolean;
  kdf: KdfParams | null;
  cipher: { name: 'aes-256-gcm'; nonce: string; tag: string } | null;
  /** The installation's encryption key, AES-256-GCM under the passphrase key (encrypted only). */
  encryption_key: { nonce: string; sealed: string } | null;
  /**
   * The installation's audit key, wrapped the same way (encrypted only). Absent in backups made
   * before it was added: they still read, and restore like a backup without passphrase does.
   */
  audit_key?: { nonce: string; sealed: string };
  /** HMAC-SHA256 of the manifest (with `mac: null`) under the passphrase key (encrypted only). */
  mac: string | null;
}

type Check = (value: unknown, path: string) => void;

const fail = (path: string, what: string): never => {
  throw new BackupFormatError(`the backup manifest is invalid: field ${path} ${what}`);
};
const str =
  (pattern: RegExp = /^[^\p{Cc}]*$/u, max = 512): Check =>
  (value, path) => {
    if (typeof value !== 'string' || value.length > max || !pattern.test(value)) {
      fail(path, 'is not a valid string');
    }
  };
const int =
  (min: number, max: number): Check =>
  (value, path) => {
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      fail(path, `must be an integer in [${min}, ${max}]`);
    }
  };
const bool: Check = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'must be a boolean');
};
const literal =
  (...allowed: unknown[]): Check =>
  (value, path) => {
    if (!allowed.includes(value)) fail(path, `must be one of ${allowed.join(', ')}`);
  };
const nullable =
  (check: Check): Check =>
  (value, path) => {
    if (value !== null) check(value, path);
  };
/** An object with exactly these fields; those named in `optional` may be absent. */
const object =
  (shape: Record<string, Check>, optional: string[] = []): Check =>
  (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(path, 'must be an object');
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record))
      if (!(key in shape)) fail(`${path}.${key}`, 'is unknown');
    for (const [key, check] of Object.entries(shape)) {
      if (!(key in record)) {
        if (optional.includes(key)) continue;
        fail(`${path}.${key}`, 'is missing');
      }
      check(record[key], `${path}.${key}`);
    }
  };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const WRAPPED_KEY = (max: number) => object({ nonce: str(BASE64, 32), sealed: str(BASE64, max) });

const MANIFEST: Check = object(
  {
    format: literal('tomo-backup'),
    format_version: int(1, 1),
    app_version: str(/^[\w.+-]{1,64}$/),
    schema_version: str(/^[A-Za-z0-9_-]{1,128}$/),
    created_at: str(ISO_TIME),
    trigger: literal(...MANIFEST_TRIGGERS),
    note: nullable(str(undefined, 500)),
    database: object({
      size_bytes: int(0, Number.MAX_SAFE_INTEGER),
      sha256: str(/^[0-9a-f]{64}$/),
    }),
    source_key_id: str(/^[0-9a-f]{8}$/),
    encrypted: bool,
    kdf: nullable(
      object({
        name: literal('scrypt'),
        salt: str(BASE64, 64),
        N: literal(2 ** 14, 2 ** 15, 2 ** 16, 2 ** 17),
        r: int(1, 16),
        p: int(1, 4),
      }),
    ),
    cipher: nullable(
      object({ name: literal('aes-256-gcm'), nonce: str(BASE64, 32), tag: str(BASE64, 32) }),
    ),
    encryption_key: nullable(WRAPPED_KEY(128)),
    audit_key: WRAPPED_KEY(1400),
    mac: nullable(str(BASE64, 64)),
  },
  ['audit_key'],
);

/** Validates a parsed manifest strictly (no unknown field, bounded sizes) or throws. */
export function parseManifest(value: unknown): BackupManifest {
  MANIFEST(value, 'manifest');
  const manifest = value as BackupManifest;
  const encryptedParts = [manifest.kdf, manifest.cipher, manifest.encryption_key, manifest.mac];
  if (manifest.encrypted ? encryptedParts.includes(null) : encryptedParts.some((p) => p !== null)) {
    throw new BackupFormatError(
      'the backup manifest is invalid: encryption fields do not match "encrypted"',
    );
  }
  if (manifest.audit_key && !manifest.encrypted) {
    throw new BackupFormatError(
      'the backup manifest is invalid: only an encrypted backup carries the audit key',
    );
  }
  return manifest;
}
