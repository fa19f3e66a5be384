import { OmitType } from '@nestjs/swagger';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { PaginationDto } from '../../common/dto/pagination.dto';
import { Describe } from '../../common/validation/describe.decorator';

export const SETTING_SCOPES = ['system', 'user'] as const;
export type Scope = (typeof SETTING_SCOPES)[number];

const KEY_GRAMMAR = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const KEY_MESSAGE = 'key must look like "category.name" (lowercase letters, digits, "_", ".")';
const SCOPE_MESSAGE = 'scope must be "system" or "user"';

const Key = (): PropertyDecorator => (target, property) => {
  Describe('The setting, e.g. "security.max_login_attempts" (list_settings names them all).')(
    target,
    property,
  );
  IsString()(target, property);
  Length(1, 128)(target, property);
  Matches(KEY_GRAMMAR, { message: KEY_MESSAGE })(target, property);
};

/** The `{scope}/{key}` of the REST routes. */
export class SettingPathDto {
  @Describe('"system" for Tomo-wide settings, "user" for your own preferences.')
  @IsIn(SETTING_SCOPES, { message: SCOPE_MESSAGE })
  scope!: Scope;

  @Key()
  key!: string;
}

/** The `{scope}` of GET /settings/{scope}. */
export class SettingScopeDto {
  @Describe('"system" for Tomo-wide settings, "user" for your own preferences.')
  @IsIn(SETTING_SCOPES, { message: SCOPE_MESSAGE })
  scope!: Scope;
}

export class GetSettingDto {
  @Key()
  key!: string;

  @Describe(
    'Default "system". "user": your effective value of a user-scoped setting (your override, else the default).',
  )
  @ValidateIf((_object, value) => value !== undefined)
  @IsIn(SETTING_SCOPES, { message: SCOPE_MESSAGE })
  scope?: Scope;
}

export class ListSettingsQueryDto {
  @Describe('Only settings of this category (security, agents, apps, ui, …).')
  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @Length(1, 64)
  category?: string;
}

export class ListSettingsDto extends ListSettingsQueryDto {
  @Describe('Default "system"; "user" lists the user-scoped settings with your values.')
  @ValidateIf((_object, value) => value !== undefined)
  @IsIn(SETTING_SCOPES, { message: SCOPE_MESSAGE })
  scope?: Scope;
}

export class UpdateSettingDto extends GetSettingDto {
  @JSONSchema({
    type: ['integer', 'boolean', 'string'],
    description:
      'The new value as typed JSON: a number for an integer setting (5, not "5"), true/false for a boolean, a string otherwise.',
  })
  @IsDefined({ message: 'value is required (a number, true/false or a string, per the setting)' })
  value!: unknown;

  @Describe(
    'The version you read (get_setting); if the setting changed since, nothing is written and you get CONFLICT.',
  )
  @ValidateIf((_object, value) => value !== undefined)
  @IsInt({ message: 'expected_version must be an integer (the version get_setting returned)' })
  @Min(0)
  @Max(2_147_483_647)
  expected_version?: number;
}

/** PUT /settings/{scope}/{key}: the body (scope and key come from the path). */
export class UpdateSettingBodyDto extends OmitType(UpdateSettingDto, ['key', 'scope'] as const) {}

export class ResetSettingDto extends GetSettingDto {}

export class SettingsAuditQueryDto extends PaginationDto {
  @Describe('Only changes of this setting.')
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(KEY_GRAMMAR, { message: KEY_MESSAGE })
  key?: string;
}
