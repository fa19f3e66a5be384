import Database from 'better-sqlite3';
import {
  createHmac,
  generateKeyPairSync,
  JsonWebKey,
  KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestTomo } from './tomo-harness';

/**
 * Helpers for the auth e2e suites: take a real Tomo JWT apart and forge variants of it, call
 * /mcp raw (to see its HTTP 401), call one MCP tool, and read or tamper the database.
 */

export type JwtHeader = Record<string, unknown>;
export type JwtClaims = Record<string, unknown>;

/** Computes the signature part (raw bytes) of `<header>.<payload>`. */
export type Signer = (signingInput: string) => Buffer;

const b64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

/** The HS256 key Tomo generated into its data directory (used as a UTF-8 string). */
export function jwtSecretOf(dataDirectory: string): string {
  return readFileSync(join(dataDirectory, 'jwt-secret'), 'utf8').trim();
}

export function decodeJwt(token: string): { header: JwtHeader; claims: JwtClaims } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as JwtHeader,
    claims: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as JwtClaims,
  };
}

export const hmac =
  (alg: 'sha256' | 'sha384' | 'sha512', secret: string | Buffer): Signer =>
  (input) =>
    createHmac(alg, secret).update(input).digest();

export const rsa =
  (privateKey: KeyObject): Signer =>
  (input) =>
    sign('sha256', Buffer.from(input), privateKey);

/** No signature at all (alg none). */
export const unsigned: Signer = () => Buffer.alloc(0);

/** Random bytes where a signature should be. */
export const garbage: Signer = () => randomBytes(256);

export function forgeJwt(header: JwtHeader, claims: JwtClaims, signer: Signer): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(signer(input))}`;
}

/**
 * Re-signs the claims of a real token after applying overrides (a value of `undefined` removes
 * the field). Without overrides and with the real secret this reproduces a valid token.
 */
export function reforge(
  token: string,
  signer: Signer,
  overrides: { header?: JwtHeader; claims?: JwtClaims } = {},
): string {
  const decoded = decodeJwt(token);
  const apply = (base: Record<string, unknown>, changes: Record<string, unknown> = {}) => {
    const result: Record<string, unknown> = { ...base, ...changes };
    for (const [key, value] of Object.entries(changes)) if (value === undefined) delete result[key];
    return result;
  };
  return forgeJwt(
    apply(decoded.header, overrides.header),
    apply(decoded.claims, overrides.claims),
    signer,
  );
}

/** An attacker's RSA key pair, with its public half as a JWK. */
export function attackerRsaKey(): { privateKey: KeyObject; jwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export { rawMcpToolCall, type RawMcpResult } from './raw-mcp';

export interface ToolResult {
  isError?: boolean;
  structuredContent?: any;
}

/** One MCP tool call through the official client (connect, call, close). */
export async function callTool(
  tomo: TestTomo,
  token: string | null,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolResult> {
  const client = await tomo.mcp(token);
  try {
    return await client.callTool({ name, arguments: args });
  } finally {
    await client.close();
  }
}

/** Opens `<dataDirectory>/tomo.db` next to the running Tomo (WAL lets both work). */
export function withDb<T>(dataDirectory: string, work: (db: Database.Database) => T): T {
  const db = new Database(join(dataDirectory, 'tomo.db'));
  try {
    db.pragma('busy_timeout = 5000');
    return work(db);
  } finally {
    db.close();
  }
}
