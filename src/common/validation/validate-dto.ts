import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate, ValidatorOptions } from 'class-validator';
import { DomainError } from '../errors/domain-error';
import { validationFailed } from '../errors/validation-errors';

/** The validation rules of every DTO on every interface: unknown fields are refused. */
export const DTO_VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  validationError: { target: false, value: false },
};

/** Turns untrusted input into a validated DTO instance, or throws VALIDATION_FAILED. */
export async function validateDto<T extends object>(
  dtoClass: ClassConstructor<T>,
  input: unknown,
): Promise<T> {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new DomainError('VALIDATION_FAILED', 'The arguments must be a JSON object.');
  }
  assertNoPrototypeKeys(input);
  const instance = plainToInstance(dtoClass, input);
  const errors = await validate(instance, DTO_VALIDATOR_OPTIONS);
  if (errors.length) throw validationFailed(errors);
  return instance;
}

const PROTOTYPE_KEYS = new Set([
  '__proto__',
  'constructor',
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

/**
 * class-transformer silently drops these keys (and those of Object.prototype, like toString);
 * Tomo refuses them like any unknown field.
 * Returns the path of the first one found, or null.
 */
export function findPrototypeKey(value: unknown, path = '', depth = 0): string | null {
  if (value === null || typeof value !== 'object' || depth > 16) return null;
  // A parser that assigned `__proto__` left no own key but a foreign prototype.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && !Array.isArray(value)) {
    return path ? `${path}.__proto__` : '__proto__';
  }
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) return here;
    const found = findPrototypeKey((value as Record<string, unknown>)[key], here, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Refuses `__proto__`, `constructor` and other Object.prototype keys anywhere in the input. */
export function assertNoPrototypeKeys(input: unknown): void {
  const key = findPrototypeKey(input);
  if (key) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${key}: property ${key.split('.').pop()} is not allowed`,
    );
  }
}
