import { DomainError } from '../common/errors/domain-error';
import type { SettingDefinition } from './setting-definitions';

/** A setting's value as the API carries it (secrets are strings too). */
export type SettingPrimitive = number | boolean | string;

/** What the caller sent, for an error message (never used for secrets). */
function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
    return `${text} (a string)`;
  }
  return JSON.stringify(value) ?? typeof value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

const invalid = (message: string) => new DomainError('VALIDATION_FAILED', message);

/**
 * Checks a value against the key's type and rules and returns it typed. Values are typed JSON:
 * the string "5" is not an integer and "true" is not a boolean. Messages name the key and the
 * rule; a secret's value is never echoed.
 */
export function checkSettingValue(
  key: string,
  definition: SettingDefinition,
  value: unknown,
): SettingPrimitive {
  switch (definition.type) {
    case 'integer': {
      const rule = `${key} must be an integer from ${definition.min} to ${definition.max}${
        definition.unit ? ` (${definition.unit})` : ''
      }`;
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        const hint =
          typeof value === 'string' && /^-?\d+$/.test(value.trim())
            ? '; send the number without quotes'
            : '';
        throw invalid(`${rule}; got ${shown(value)}${hint}`);
      }
      if (value < definition.min || value > definition.max) throw invalid(`${rule}; got ${value}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw invalid(`${key} must be true or false (a JSON boolean); got ${shown(value)}`);
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || !definition.values.includes(value)) {
        throw invalid(
          `${key} must be one of: ${definition.values.join(', ')}; got ${shown(value)}`,
        );
      }
      return value;
    case 'string':
      if (typeof value !== 'string') {
        throw invalid(`${key} must be a string; got ${shown(value)}`);
      }
      if (value.length === 0 || value.length > definition.maxLength) {
        throw invalid(
          `${key} must be 1 to ${definition.maxLength} characters long; got ${value.length}`,
        );
      }
      if (definition.pattern && !definition.pattern.regex.test(value)) {
        throw invalid(`${key} must be ${definition.pattern.meaning}; got ${shown(value)}`);
      }
      return value;
    case 'secret':
      if (typeof value !== 'string') {
        throw invalid(`${key} is a secret and must be a string; got ${kindOf(value)}`);
      }
      if (value.length === 0 || value.length > definition.maxLength) {
        throw invalid(
          `${key} must be 1 to ${definition.maxLength} characters long (reset_setting clears it); got ${value.length}`,
        );
      }
      if (value.includes('\u0000')) throw invalid(`${key} must not contain NUL characters`);
      return value;
  }
}

/** The JSON stored for a non-secret value. */
export function encodeSettingValue(value: SettingPrimitive): string {
  return JSON.stringify(value);
}

/** A stored non-secret value read back, checked against today's rules (null when it fails them). */
export function decodeSettingValue(
  key: string,
  definition: SettingDefinition,
  stored: string,
): SettingPrimitive | null {
  try {
    return checkSettingValue(key, definition, JSON.parse(stored) as unknown);
  } catch {
    return null;
  }
}
