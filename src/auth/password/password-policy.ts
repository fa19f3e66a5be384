import type { PasswordBlocklist } from './password-blocklist';

/**
 * Password policy following NIST SP 800-63B-4 (§3.1.1.2):
 * length limits counted in Unicode code points after NFKC normalisation,
 * a blocklist of common passwords, context-specific words, and no
 * composition rules (no "must contain a digit / symbol / upper-case letter").
 */
export interface PasswordPolicyOptions {
  /** Minimum length in code points; values below 8 are raised to 8. */
  minLength: number;
  /** Maximum length in code points (default 128). */
  maxLength?: number;
  /** Words the password must not contain, e.g. username, email, 'tomo'. */
  contextWords?: string[];
}

export type PasswordCheck = { ok: true } | { ok: false; reason: string };

/** NIST SP 800-63B-4: a minimum below 8 is never acceptable. */
export const ABSOLUTE_MIN_PASSWORD_LENGTH = 8;
export const DEFAULT_MAX_PASSWORD_LENGTH = 128;
/** bcrypt silently ignores every byte after the 72nd, so longer input is refused. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;
/** Context words shorter than this are ignored (too many false positives). */
const MIN_CONTEXT_WORD_LENGTH = 3;

/**
 * The form of the password that the policy checks. Hash exactly this string,
 * on registration and on login alike, so that the 72-byte check holds for the
 * bytes bcrypt sees and equivalent Unicode input verifies.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function codePointLength(value: string): number {
  return Array.from(value).length;
}

function fail(reason: string): PasswordCheck {
  return { ok: false, reason };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Context words to look for, lower-cased: each given word, and for an email
 * address also its local part ("alice" from "alice@example.com").
 */
function contextNeedles(words: readonly string[]): { needle: string; shown: string }[] {
  const needles: { needle: string; shown: string }[] = [];
  const add = (raw: string): void => {
    const shown = raw.normalize('NFKC').trim();
    if (codePointLength(shown) >= MIN_CONTEXT_WORD_LENGTH) {
      needles.push({ needle: shown.toLowerCase(), shown });
    }
  };
  for (const word of words) {
    add(word);
    const at = word.lastIndexOf('@');
    if (at > 0) {
      add(word.slice(0, at));
    }
  }
  return needles;
}

/**
 * Checks a new password against the policy. Returns the first problem found,
 * phrased so that the person choosing the password can act on it.
 */
export function checkPassword(
  password: string,
  options: PasswordPolicyOptions,
  blocklist: PasswordBlocklist,
): PasswordCheck {
  const requestedMin = Number.isFinite(options.minLength) ? Math.ceil(options.minLength) : 0;
  const minLength = Math.max(ABSOLUTE_MIN_PASSWORD_LENGTH, requestedMin);
  const requestedMax =
    options.maxLength !== undefined && Number.isFinite(options.maxLength)
      ? Math.floor(options.maxLength)
      : DEFAULT_MAX_PASSWORD_LENGTH;
  const maxLength = Math.max(minLength, requestedMax);

  const normalized = normalizePassword(password);
  const length = codePointLength(normalized);

  if (length < minLength) {
    return fail(`Password must be at least ${plural(minLength, 'character')} long.`);
  }
  if (length > maxLength) {
    return fail(`Password must be at most ${plural(maxLength, 'character')} long.`);
  }
  if (Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES) {
    return fail(
      `Password is longer than ${BCRYPT_MAX_PASSWORD_BYTES} bytes in UTF-8; ` +
        'use fewer characters (accented letters and emoji count as several bytes).',
    );
  }
  if (blocklist.has(normalized)) {
    return fail('This password is too common; choose a longer passphrase.');
  }
  if (new Set(normalized).size === 1) {
    return fail('Password must not be a single character repeated; choose a passphrase.');
  }

  const lowered = normalized.toLowerCase();
  for (const { needle, shown } of contextNeedles(options.contextWords ?? [])) {
    if (lowered.includes(needle)) {
      return fail(`Password must not contain "${shown}"; avoid your username and email address.`);
    }
  }

  return { ok: true };
}
