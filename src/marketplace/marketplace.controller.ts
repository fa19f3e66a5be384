import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { CatalogSearchService } from './catalog-search.service';
import { AddRepositoryDto, RepositoryIdDto, UpdateRepositoryBodyDto } from './dto/repository.dto';
import { AppIdDto, SearchAppsDto } from './dto/search.dto';
import {
  ADD_REPOSITORY_SCHEMA,
  APP_DETAILS_SCHEMA,
  APP_LIST_SCHEMA,
  CATEGORIES_SCHEMA,
  REPOSITORY_LIST_SCHEMA,
  REPOSITORY_SCHEMA,
  SYNC_SCHEMA,
} from './marketplace.views';
import { RepositoriesService } from './repositories.service';

@ApiTags('marketplace')
@ApiBearerAuth()
@Controller('api/v1/marketplace')
export class MarketplaceController {
  constructor(
    private readonly search: CatalogSearchService,
    private readonly repositories: RepositoriesService,
  ) {}

  @Get('apps')
  @RequireRole('readonly')
  @ApiResult(APP_LIST_SCHEMA)
  searchApps(@Query() query: SearchAppsDto) {
    return this.search.search(query);
  }

  @Get('apps/:app_id')
  @RequireRole('readonly')
  @ApiResult(APP_DETAILS_SCHEMA)
  details(@Param() params: AppIdDto) {
    return this.search.details(params);
  }

  @Get('categories')
  @RequireRole('readonly')
  @ApiResult(CATEGORIES_SCHEMA)
  categories() {
    return this.search.categories();
  }

  @Post('repositories')
  @RequireRole('admin')
  @ApiResult(ADD_REPOSITORY_SCHEMA, 201)
  add(@CurrentActor() actor: Actor, @Body() body: AddRepositoryDto) {
    return this.repositories.add(actor, body);
  }

  @Get('repositories')
  @RequireRole('readonly')
  @ApiResult(REPOSITORY_LIST_SCHEMA)
  list() {
    return this.repositories.list();
  }

  @Patch('repositories/:repository_id')
  @RequireRole('admin')
  @ApiResult(REPOSITORY_SCHEMA)
  update(
    @CurrentActor() actor: Actor,
    @Param() params: RepositoryIdDto,
    @Body() body: UpdateRepositoryBodyDto,
  ) {
    return this.repositories.update(actor, { ...body, ...params });
  }

  @Delete('repositories/:repository_id')
  @RequireRole('admin')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  remove(
    @CurrentActor() actor: Actor,
    @Param() params: RepositoryIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.repositories.remove(actor, params);
  }

  @Post('repositories/:repository_id/sync')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(SYNC_SCHEMA)
  @NoBodyDoc()
  sync(@CurrentActor() actor: Actor, @Param() params: RepositoryIdDto, @NoBody() _body: EmptyDto) {
    return this.repositories.sync(actor, params);
  }
}
