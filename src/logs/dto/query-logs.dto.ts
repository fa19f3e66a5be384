import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { Describe } from '../../common/validation/describe.decorator';
import { LOG_LEVELS, LogLevel } from '../log-entry.entity';

const NO_CONTROL = /^[^\p{Cc}]+$/u;
/** Sources are logger contexts: class or component names such as AgentGateway or live-events. */
const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
const SOURCE_MESSAGE =
  'source must be a logger name: letters, digits, "_", ".", ":", "/" and "-" (e.g. AgentGateway)';

export class QueryLogsDto {
  @Describe(
    `Lowest level to show: ${LOG_LEVELS.join(', ')} ("warn" shows warn, error and fatal events).`,
  )
  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `level must be one of: ${LOG_LEVELS.join(', ')}` })
  level?: LogLevel;

  @Describe('Only events of this source (the logger context, e.g. AgentGateway).')
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(SOURCE_NAME, { message: SOURCE_MESSAGE })
  source?: string;

  @Describe('Only events whose message contains this text (case-insensitive).')
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL, { message: 'search must not contain control characters' })
  search?: string;

  @Describe('Events at or after this ISO-8601 time.')
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time' })
  since?: string;

  @Describe('Events at or before this ISO-8601 time.')
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 time' })
  until?: string;

  @Describe('Page size, 1–1000 (default 100).')
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @Describe('Events to skip (default 0).')
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  offset?: number;
}

export class LogSourceDto {
  @Describe('The source (logger context), e.g. AgentGateway; the sources appear in query_logs.')
  @IsString()
  @Length(1, 128)
  @Matches(SOURCE_NAME, { message: SOURCE_MESSAGE })
  source!: string;
}

export class LogSourceQueryDto {
  @Describe('Page size, 1–1000 (default 100).')
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** get_logs_by_source: the source (a path parameter in REST) and the limit. */
export class LogsBySourceDto extends LogSourceDto {
  @Describe('Page size, 1–1000 (default 100).')
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
