import { ValidationPipe } from '@nestjs/common';
import { DTO_VALIDATOR_OPTIONS } from '../validation/validate-dto';
import { validationFailed } from '../errors/validation-errors';

/** REST validation with the same rules as MCP: unknown fields refused, one message per field. */
export function createDtoValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...DTO_VALIDATOR_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => validationFailed(errors),
  });
}
