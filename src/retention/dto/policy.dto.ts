import { OmitType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import { Describe } from '../../common/validation/describe.decorator';
import { RETENTION_DATA_TYPES, RetentionDataType } from '../retention-target';

export const MAX_RETENTION_DAYS = 36_500;
const DATA_TYPE_MESSAGE = `data_type must be one of: ${RETENTION_DATA_TYPES.join(', ')}`;

export class PolicyIdDto {
  @Describe('Id of the policy (from list_policies).')
  @IsUUID('all', { message: 'policy_id must be a UUID' })
  policy_id!: string;
}

export class CreatePolicyDto {
  @Describe(`The data to purge: ${RETENTION_DATA_TYPES.join(', ')}. One policy per data type.`)
  @IsIn(RETENTION_DATA_TYPES, { message: DATA_TYPE_MESSAGE })
  data_type!: RetentionDataType;

  @Describe(
    `Days to keep, 1–${MAX_RETENTION_DAYS}; older rows are deleted. For audit, never below the setting retention.audit_min_days.`,
  )
  @IsInt({ message: 'retention_days must be a whole number of days' })
  @Min(1)
  @Max(MAX_RETENTION_DAYS)
  retention_days!: number;

  @Describe('Disabled policies are skipped by runs and previews (default true).')
  @ValidateIf((_object, value) => value !== undefined)
  @IsBoolean()
  enabled?: boolean;
}

export class UpdatePolicyDto extends PolicyIdDto {
  @Describe(`New number of days to keep, 1–${MAX_RETENTION_DAYS}.`)
  @ValidateIf((_object, value) => value !== undefined)
  @IsInt({ message: 'retention_days must be a whole number of days' })
  @Min(1)
  @Max(MAX_RETENTION_DAYS)
  retention_days?: number;

  @Describe('Enable or disable the policy.')
  @ValidateIf((_object, value) => value !== undefined)
  @IsBoolean()
  enabled?: boolean;
}

export class UpdatePolicyBodyDto extends OmitType(UpdatePolicyDto, ['policy_id'] as const) {}

export class RetentionScopeDto {
  @Describe('Only this data type (default: every enabled policy).')
  @IsOptional()
  @IsIn(RETENTION_DATA_TYPES, { message: DATA_TYPE_MESSAGE })
  data_type?: RetentionDataType;
}

/** `preview_retention` over REST reads the data type from the query string. */
export class RetentionPreviewQueryDto extends RetentionScopeDto {}
