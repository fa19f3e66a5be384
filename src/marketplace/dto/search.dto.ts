import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PaginationDto } from '../../common/dto/pagination.dto';
import { Describe } from '../../common/validation/describe.decorator';
import { CATEGORIES } from '../manifest/manifest.schema';

export class SearchAppsDto extends PaginationDto {
  @Describe('Words to look for in name, description, tags and category (ranked; prefix match).')
  @IsOptional()
  @IsString()
  @Length(0, 200)
  query?: string;

  @Describe(`Only this category: ${CATEGORIES.join(', ')}.`)
  @IsOptional()
  @IsIn(CATEGORIES, { message: `category must be one of: ${CATEGORIES.join(', ')}` })
  category?: string;

  @Describe('Only apps with this tag.')
  @IsOptional()
  @IsString()
  @Length(1, 32)
  tag?: string;

  @Describe('Only apps of this repository.')
  @IsOptional()
  @IsUUID('all', { message: 'repository_id must be a UUID' })
  repository_id?: string;
}

export class AppIdDto {
  @Describe(
    'Catalog id ("<repository>/<app>", from search_apps) or, when unambiguous, the app\'s own id.',
  )
  @IsString()
  @Length(1, 160)
  @Matches(/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/, {
    message: 'app_id must look like "repository/app" or "app" (lower-case letters, digits, "-")',
  })
  app_id!: string;
}
