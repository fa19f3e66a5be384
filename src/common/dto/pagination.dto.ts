import { Describe } from '../../common/validation/describe.decorator';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `limit`/`offset` paging of every list; lists return `{items, total}`. */
export class PaginationDto {
  @Describe('Page size, 1–500 (default 50).')
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @Describe('Items to skip (default 0).')
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}
