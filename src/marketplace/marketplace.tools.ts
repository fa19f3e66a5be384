import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { DESTRUCTIVE, McpTool, READ_ONLY, WRITE } from '../mcp/mcp-tool.decorator';
import { CatalogSearchService } from './catalog-search.service';
import { AddRepositoryDto, RepositoryIdDto, UpdateRepositoryDto } from './dto/repository.dto';
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

@Injectable()
export class MarketplaceTools {
  constructor(
    private readonly search: CatalogSearchService,
    private readonly repositories: RepositoriesService,
  ) {}

  @McpTool({
    name: 'search_apps',
    description:
      'Search the app catalog by words (name, description, tags, category; ranked), category, tag or repository.',
    access: 'readonly',
    toolset: 'marketplace',
    input: SearchAppsDto,
    output: APP_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  searchApps(_actor: Actor, input: SearchAppsDto) {
    return this.search.search(input);
  }

  @McpTool({
    name: 'get_app_details',
    description:
      'One catalog app with its full manifest (inputs, services), source and import notes.',
    access: 'readonly',
    toolset: 'marketplace',
    input: AppIdDto,
    output: APP_DETAILS_SCHEMA,
    annotations: READ_ONLY,
  })
  getAppDetails(_actor: Actor, input: AppIdDto) {
    return this.search.details(input);
  }

  @McpTool({
    name: 'list_categories',
    description: 'The app categories with how many catalog apps each has.',
    access: 'readonly',
    toolset: 'marketplace',
    input: EmptyDto,
    output: CATEGORIES_SCHEMA,
    annotations: READ_ONLY,
  })
  listCategories() {
    return this.search.categories();
  }

  @McpTool({
    name: 'add_repository',
    description:
      'Add a git repository of apps (Tomo, CasaOS, Runtipi, Umbrel, Dokploy or Portainer format, or auto-detected) and sync it once.',
    access: 'admin',
    toolset: 'marketplace',
    input: AddRepositoryDto,
    output: ADD_REPOSITORY_SCHEMA,
    annotations: { ...WRITE, openWorldHint: true, idempotentHint: false },
  })
  addRepository(actor: Actor, input: AddRepositoryDto) {
    return this.repositories.add(actor, input);
  }

  @McpTool({
    name: 'list_repositories',
    description:
      'The catalog repositories with their last synced commit, app count and last error.',
    access: 'readonly',
    toolset: 'marketplace',
    input: EmptyDto,
    output: REPOSITORY_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listRepositories() {
    return this.repositories.list();
  }

  @McpTool({
    name: 'update_repository',
    description:
      'Rename a repository, change its branch, or enable/disable it (disabled: not synced, apps hidden).',
    access: 'admin',
    toolset: 'marketplace',
    input: UpdateRepositoryDto,
    output: REPOSITORY_SCHEMA,
    annotations: WRITE,
  })
  updateRepository(actor: Actor, input: UpdateRepositoryDto) {
    return this.repositories.update(actor, input);
  }

  @McpTool({
    name: 'remove_repository',
    description:
      'Remove a repository and its apps from the catalog (installed apps stay installed).',
    access: 'admin',
    toolset: 'marketplace',
    input: RepositoryIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  removeRepository(actor: Actor, input: RepositoryIdDto) {
    return this.repositories.remove(actor, input);
  }

  @McpTool({
    name: 'sync_repository',
    description:
      'Fetch the branch tip and re-import every app; the catalog switches to the new set at once. One broken app is reported, not fatal.',
    access: 'admin',
    toolset: 'marketplace',
    input: RepositoryIdDto,
    output: SYNC_SCHEMA,
    annotations: { ...WRITE, openWorldHint: true },
  })
  syncRepository(actor: Actor, input: RepositoryIdDto) {
    return this.repositories.sync(actor, input);
  }
}
