import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { validateDto } from '../validation/validate-dto';

const NOT_DTOS = new Set<unknown>([String, Number, Boolean, Array, Object]);

/**
 * REST validation through the very function MCP uses (`validateDto`): bodies, queries and path
 * parameters bound to a DTO class are validated with the same rules and errors on both faces.
 */
@Injectable()
export class DtoValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const metatype = metadata.metatype;
    if (metadata.type === 'custom' || typeof metatype !== 'function' || NOT_DTOS.has(metatype))
      return value;
    return validateDto(metatype as new () => object, value);
  }
}
