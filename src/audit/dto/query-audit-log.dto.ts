import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { PaginationDto } from '../../common/dto/pagination.dto';

export class QueryAuditLogDto extends PaginationDto {
  /** A user or token id, or a username. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  target_type?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  target_id?: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time' })
  since?: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 time' })
  until?: string;

  @IsOptional()
  @IsIn(['success', 'failure'])
  result?: 'success' | 'failure';
}
