import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import type { CatalogAppEntity } from './entities/catalog-app.entity';
import {
  MarketplaceRepositoryEntity,
  REPOSITORY_FORMATS,
} from './entities/marketplace-repository.entity';
import { CATEGORIES } from './manifest/manifest.schema';
import type { AppManifest } from './manifest/manifest.types';

export function toRepositoryView(row: MarketplaceRepositoryEntity) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    url: row.url,
    branch: row.branch,
    format: row.format,
    detected_format: row.detectedFormat,
    enabled: row.enabled,
    last_commit: row.lastCommit,
    last_synced_at: row.lastSyncedAt,
    last_sync_error: row.lastSyncError,
    app_count: row.appCount,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export const REPOSITORY_SCHEMA = objectSchema({
  id: str('uuid'),
  name: str(),
  slug: str(),
  url: str(),
  branch: str(),
  format: enumOf(REPOSITORY_FORMATS),
  detected_format: nullable(str()),
  enabled: bool(),
  last_commit: nullable(str()),
  last_synced_at: nullable(str('date-time')),
  last_sync_error: nullable(str()),
  app_count: int(),
  created_at: str('date-time'),
  updated_at: str('date-time'),
});
export const REPOSITORY_LIST_SCHEMA = listSchema(REPOSITORY_SCHEMA);

export const SYNC_SCHEMA = objectSchema({
  repository_id: str('uuid'),
  commit: nullable(str()),
  format: str(),
  apps_added: int(),
  apps_updated: int(),
  apps_removed: int(),
  errors: { type: 'array', items: objectSchema({ path: str(), message: str() }) },
});

export const ADD_REPOSITORY_SCHEMA = objectSchema({
  repository: REPOSITORY_SCHEMA,
  sync: nullable(SYNC_SCHEMA),
  sync_error: nullable(str()),
});

export function toAppSummary(row: CatalogAppEntity, repositoryName: string) {
  return {
    id: row.id,
    app_id: row.appId,
    name: row.name,
    version: row.version,
    description: row.description,
    category: row.category,
    tags: JSON.parse(row.tags) as string[],
    icon: row.icon,
    admin_only: row.adminOnly,
    repository_id: row.repositoryId,
    repository: repositoryName,
    format: row.format,
  };
}

export function toAppDetails(row: CatalogAppEntity, repositoryName: string) {
  const manifest = JSON.parse(row.manifest) as AppManifest;
  return {
    ...toAppSummary(row, repositoryName),
    manifest,
    source: { path: row.sourcePath, commit: row.sourceCommit },
    notes: JSON.parse(row.notes) as string[],
    updated_at: row.updatedAt,
  };
}

const APP_SUMMARY_PROPERTIES = {
  id: str(),
  app_id: str(),
  name: str(),
  version: str(),
  description: str(),
  category: enumOf(CATEGORIES),
  tags: { type: 'array', items: str() },
  icon: nullable(str()),
  admin_only: bool(),
  repository_id: str('uuid'),
  repository: str(),
  format: str(),
};
export const APP_SUMMARY_SCHEMA = objectSchema(APP_SUMMARY_PROPERTIES);
export const APP_LIST_SCHEMA = listSchema(APP_SUMMARY_SCHEMA);
export const APP_DETAILS_SCHEMA = objectSchema({
  ...APP_SUMMARY_PROPERTIES,
  manifest: { type: 'object' },
  source: objectSchema({ path: str(), commit: nullable(str()) }),
  notes: { type: 'array', items: str() },
  updated_at: str('date-time'),
});
export const CATEGORIES_SCHEMA = objectSchema({
  items: { type: 'array', items: objectSchema({ category: enumOf(CATEGORIES), count: int() }) },
});
