import { Describe } from '../../common/validation/describe.decorator';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { PaginationDto } from '../../common/dto/pagination.dto';

export class QueryAuditLogDto extends PaginationDto {
  @Describe('A user id, API token id or username.')
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor?: string;

  @Describe('An action such as auth.login, user.created, api_token.revoked.')
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

  @Describe('Entries at or after this ISO-8601 time.')
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time' })
  since?: string;

  @Describe('Entries at or before this ISO-8601 time.')
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 time' })
  until?: string;

  @IsOptional()
  @IsIn(['success', 'failure'])
  result?: 'success' | 'failure';
}
