import { ValidationError } from 'class-validator';
import { DomainError } from './domain-error';

/** Flattens class-validator errors into one sentence per bad field. */
export function describeValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  const messages: string[] = [];
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      messages.push(
        message.startsWith(error.property)
          ? `${prefix ? prefix + '.' : ''}${message}`
          : `${path}: ${message}`,
      );
    }
    if (error.children?.length) messages.push(...describeValidationErrors(error.children, path));
  }
  return messages;
}

export function validationFailed(errors: ValidationError[]): DomainError {
  const messages = describeValidationErrors(errors);
  return new DomainError('VALIDATION_FAILED', messages.join('; ') || 'The input is invalid.', {
    errors: messages,
  });
}
