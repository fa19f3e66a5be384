import { randomBytes } from 'node:crypto';
import { randomToken, sha256Hex } from '../common/crypto/tokens';

/** 128 random bits as upper-case hex in groups of four joined by "-" (AGENT_PROTOCOL §2). */
export function newRegistrationCode(): string {
  return (randomBytes(16).toString('hex').toUpperCase().match(/.{4}/g) ?? []).join('-');
}

/** Codes match case-insensitively and ignoring dashes: hash the normalised form. */
export function registrationCodeHash(code: string): string {
  return sha256Hex(code.replace(/-/g, '').toLowerCase());
}

/** 256 random bits, base64url (43 characters). */
export const newAgentToken = (): string => randomToken(32);

export const agentTokenHash = (token: string): string => sha256Hex(token);
