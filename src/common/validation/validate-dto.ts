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
  const instance = plainToInstance(dtoClass, input);
  const errors = await validate(instance, DTO_VALIDATOR_OPTIONS);
  if (errors.length) throw validationFailed(errors);
  return instance;
}
