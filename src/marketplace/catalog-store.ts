import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { nowIso } from '../common/time';
import { CatalogAppEntity } from './entities/catalog-app.entity';
import type { MarketplaceRepositoryEntity } from './entities/marketplace-repository.entity';
import type { ImportedApp } from './importers/importer';

export interface ReplaceOutcome {
  added: number;
  updated: number;
  removed: number;
  /** Apps left out because an earlier app of the repository has the same id. */
  duplicates: { path: string; message: string }[];
}

function rowOf(
  repository: MarketplaceRepositoryEntity,
  app: ImportedApp,
  commit: string | null,
): CatalogAppEntity {
  const manifest = JSON.stringify(app.manifest);
  return {
    id: `${repository.slug}/${app.manifest.id}`,
    repositoryId: repository.id,
    appId: app.manifest.id,
    name: app.manifest.name,
    version: app.manifest.version,
    description: app.manifest.description ?? '',
    category: app.manifest.category ?? 'other',
    tags: JSON.stringify(app.manifest.tags ?? []),
    icon: app.manifest.icon ?? null,
    adminOnly: app.manifest.admin_only === true,
    format: app.manifest.source?.format ?? 'tomo',
    sourcePath: app.path,
    sourceCommit: commit,
    manifest,
    manifestSha256: createHash('sha256').update(manifest).digest('hex'),
    notes: JSON.stringify(app.notes),
    updatedAt: nowIso(),
  };
}

/**
 * The catalog tables, written inside the caller's transaction so a sync swaps a repository's
 * apps at once: readers see the old set or the new one. The FTS5 index follows every change.
 */
export const CatalogStore = {
  async replace(
    manager: EntityManager,
    repository: MarketplaceRepositoryEntity,
    apps: ImportedApp[],
    commit: string | null,
  ): Promise<ReplaceOutcome> {
    const catalog = manager.getRepository(CatalogAppEntity);
    const before = new Map(
      (
        await catalog.find({
          where: { repositoryId: repository.id },
          select: { id: true, manifestSha256: true },
        })
      ).map((row) => [row.id, row.manifestSha256]),
    );
    const rows: CatalogAppEntity[] = [];
    const duplicates: ReplaceOutcome['duplicates'] = [];
    const seen = new Map<string, string>();
    for (const app of apps) {
      const row = rowOf(repository, app, commit);
      const first = seen.get(row.id);
      if (first) {
        duplicates.push({
          path: app.path,
          message: `app id "${app.manifest.id}" is already used by ${first}`,
        });
        continue;
      }
      seen.set(row.id, app.path);
      rows.push(row);
    }
    await CatalogStore.remove(manager, repository.id);
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      await catalog.insert(chunk);
      for (const row of chunk) {
        await manager.query(
          'INSERT INTO app_catalog_fts (catalog_id, name, description, tags, category) VALUES (?, ?, ?, ?, ?)',
          [
            row.id,
            row.name,
            row.description,
            (JSON.parse(row.tags) as string[]).join(' '),
            row.category,
          ],
        );
      }
    }
    let added = 0;
    let updated = 0;
    for (const row of rows) {
      const previous = before.get(row.id);
      if (previous === undefined) added += 1;
      else if (previous !== row.manifestSha256) updated += 1;
    }
    const removed = [...before.keys()].filter((id) => !seen.has(id)).length;
    return { added, updated, removed, duplicates };
  },

  /** Removes a repository's apps and their search entries. */
  async remove(manager: EntityManager, repositoryId: string): Promise<void> {
    await manager.query(
      'DELETE FROM app_catalog_fts WHERE catalog_id IN (SELECT id FROM app_catalog WHERE repository_id = ?)',
      [repositoryId],
    );
    await manager.getRepository(CatalogAppEntity).delete({ repositoryId });
  },
};
