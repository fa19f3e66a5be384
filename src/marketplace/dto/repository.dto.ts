import { OmitType } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { Describe } from '../../common/validation/describe.decorator';
import { REPOSITORY_FORMATS, RepositoryFormat } from '../entities/marketplace-repository.entity';

const NO_CONTROL = /^[^\p{Cc}]+$/u;

export class RepositoryIdDto {
  @Describe('Id of the repository (from list_repositories).')
  @IsUUID('all', { message: 'repository_id must be a UUID' })
  repository_id!: string;
}

export class AddRepositoryDto {
  @Describe("Display name, 1–128 characters; also makes the prefix of its apps' ids.")
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name!: string;

  @Describe(
    'Git URL: https://, ssh://, git://, file:// or user@host:path. Hosts resolving to private addresses are refused unless allowed.',
  )
  @IsString()
  @Length(1, 2048)
  url!: string;

  @Describe('Branch to follow (default "main").')
  @IsOptional()
  @IsString()
  @Length(1, 200)
  branch?: string;

  @Describe(
    `Catalog format: ${REPOSITORY_FORMATS.join(', ')} (default "auto": detected from the layout).`,
  )
  @IsOptional()
  @IsIn(REPOSITORY_FORMATS, { message: `format must be one of: ${REPOSITORY_FORMATS.join(', ')}` })
  format?: RepositoryFormat;
}

export class UpdateRepositoryDto extends RepositoryIdDto {
  @Describe('New display name.')
  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name?: string;

  @Describe('New branch to follow (takes effect at the next sync).')
  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @Length(1, 200)
  branch?: string;

  @Describe('Disabled repositories are not synced and their apps are hidden from search.')
  @ValidateIf((_object, value) => value !== undefined)
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateRepositoryBodyDto extends OmitType(UpdateRepositoryDto, [
  'repository_id',
] as const) {}
