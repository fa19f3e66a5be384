import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import type { AppIdDto, SearchAppsDto } from './dto/search.dto';
import { CatalogAppEntity } from './entities/catalog-app.entity';
import { CATEGORIES } from './manifest/manifest.schema';
import { toAppDetails, toAppSummary } from './marketplace.views';

/** bm25 weights of the indexed columns: name, description, tags, category. */
const RANK = 'bm25(app_catalog_fts, 0, 10.0, 2.0, 5.0, 3.0)';

/**
 * A user's words as an FTS5 query: each word a quoted prefix term, all required. Quoting keeps
 * FTS5 syntax (`OR`, `NEAR`, `*`, `:`) in the input from meaning anything.
 */
export function ftsQuery(text: string): string | null {
  const words = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .slice(0, 12);
  if (words.length === 0) return null;
  return words.map((word) => `"${word.replace(/"/g, '""')}"*`).join(' ');
}

interface Row {
  [column: string]: unknown;
}

function entityOf(row: Row): CatalogAppEntity {
  return {
    id: row.id as string,
    repositoryId: row.repository_id as string,
    appId: row.app_id as string,
    name: row.name as string,
    version: row.version as string,
    description: row.description as string,
    category: row.category as string,
    tags: row.tags as string,
    icon: (row.icon as string | null) ?? null,
    adminOnly: row.admin_only === 1 || row.admin_only === true,
    format: row.format as string,
    sourcePath: row.source_path as string,
    sourceCommit: (row.source_commit as string | null) ?? null,
    manifest: row.manifest as string,
    manifestSha256: row.manifest_sha256 as string,
    notes: row.notes as string,
    updatedAt: row.updated_at as string,
  };
}

/** search_apps, get_app_details and list_categories over the apps of enabled repositories. */
@Injectable()
export class CatalogSearchService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async search(dto: SearchAppsDto) {
    const where: string[] = ['r.enabled = 1'];
    const params: unknown[] = [];
    // A tag narrows through the index first (its words as a phrase in the tags column), then
    // the exact tag is checked on those few rows only.
    const tagWords = dto.tag ? ftsQuery(dto.tag)?.replace(/\*/g, '') : null;
    const tagMatch = tagWords ? `tags : (${tagWords.split(' ').join(' + ')})` : null;
    const queryMatch = dto.query ? ftsQuery(dto.query) : null;
    const match = [queryMatch && `(${queryMatch})`, tagMatch].filter(Boolean).join(' AND ') || null;
    if (match) {
      where.push('app_catalog_fts MATCH ?');
      params.push(match);
    }
    if (dto.category) {
      where.push('c.category = ?');
      params.push(dto.category);
    }
    if (dto.tag) {
      where.push('EXISTS (SELECT 1 FROM json_each(c.tags) t WHERE t.value = ?)');
      params.push(dto.tag.toLowerCase());
    }
    if (dto.repository_id) {
      where.push('c.repository_id = ?');
      params.push(dto.repository_id);
    }
    const from = match
      ? 'app_catalog_fts JOIN app_catalog c ON c.id = app_catalog_fts.catalog_id JOIN marketplace_repositories r ON r.id = c.repository_id'
      : 'app_catalog c JOIN marketplace_repositories r ON r.id = c.repository_id';
    const order = queryMatch ? `${RANK}, c.name` : 'c.name COLLATE NOCASE, c.id';
    const limit = dto.limit ?? 20;
    const offset = dto.offset ?? 0;
    const clause = where.join(' AND ');
    const rows = await this.dataSource.query<Row[]>(
      `SELECT c.*, r.name AS repository_name FROM ${from} WHERE ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(
      `SELECT COUNT(*) AS total FROM ${from} WHERE ${clause}`,
      params,
    );
    return {
      items: rows.map((row) => toAppSummary(entityOf(row), row.repository_name as string)),
      total: Number(total),
    };
  }

  async details(dto: AppIdDto) {
    const { entity, repositoryName } = await this.lookup(dto.app_id);
    return toAppDetails(entity, repositoryName);
  }

  /** The entity of a catalog app (for install_app), by qualified or unambiguous bare id. */
  async find(appId: string): Promise<CatalogAppEntity> {
    return (await this.lookup(appId)).entity;
  }

  /** One app of an enabled repository by `<slug>/<id>`, or by a bare id only one repository has. */
  private async lookup(appId: string) {
    const qualified = appId.includes('/');
    const rows = await this.dataSource.query<Row[]>(
      `SELECT c.*, r.name AS repository_name FROM app_catalog c JOIN marketplace_repositories r ON r.id = c.repository_id WHERE r.enabled = 1 AND ${qualified ? 'c.id' : 'c.app_id'} = ? ORDER BY c.id LIMIT 10`,
      [appId],
    );
    if (rows.length === 0) {
      throw new DomainError(
        'NOT_FOUND',
        `App ${appId} is not in the catalog (search_apps lists what is).`,
      );
    }
    if (rows.length > 1) {
      throw new DomainError(
        'CONFLICT',
        `Several repositories have an app "${appId}": ${rows.map((row) => row.id as string).join(', ')}. Use one of these ids.`,
      );
    }
    const row = rows[0]!;
    return { entity: entityOf(row), repositoryName: row.repository_name as string };
  }

  async categories() {
    const rows = await this.dataSource.query<{ category: string; count: number }[]>(
      'SELECT c.category AS category, COUNT(*) AS count FROM app_catalog c JOIN marketplace_repositories r ON r.id = c.repository_id WHERE r.enabled = 1 GROUP BY c.category',
    );
    const counts = new Map(rows.map((row) => [row.category, Number(row.count)]));
    return {
      items: CATEGORIES.map((category) => ({ category, count: counts.get(category) ?? 0 })),
    };
  }
}
