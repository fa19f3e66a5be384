import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, SYSTEM_ACTOR } from '../common/auth/principal';
import type { Page } from '../common/dto/pagination.dto';
import { DomainError, notFound } from '../common/errors/domain-error';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { SettingsService } from '../settings/settings.service';
import { DirectoryTree } from './catalog-tree';
import { CatalogStore } from './catalog-store';
import type { AddRepositoryDto, RepositoryIdDto, UpdateRepositoryDto } from './dto/repository.dto';
import { MarketplaceRepositoryEntity } from './entities/marketplace-repository.entity';
import { GitCheckout } from './git/git-client';
import { assertBranchName, assertPublicSource, parseRepositoryUrl } from './git/repository-url';
import { toAppId } from './importers/importer';
import { toRepositoryView } from './marketplace.views';

export interface SyncResult {
  repository_id: string;
  commit: string | null;
  format: string;
  apps_added: number;
  apps_updated: number;
  apps_removed: number;
  errors: { path: string; message: string }[];
}

/** How often the scheduler looks for repositories due a sync. */
const SCHEDULER_TICK_MS = 60_000;

/**
 * Catalog repositories: validated on the way in (URL grammar, private-address check, branch),
 * synced by a shallow git checkout and an importer, and swapped into the catalog atomically.
 */
@Injectable()
export class RepositoriesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RepositoriesService.name);
  private readonly syncing = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(MarketplaceRepositoryEntity)
    private readonly repositories: Repository<MarketplaceRepositoryEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: SettingsService,
  ) {}

  onModuleInit(): void {
    // Ticks even while marketplace.sync_interval is 0, so turning it on needs no restart.
    this.timer = setInterval(() => void this.syncDue(), SCHEDULER_TICK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async add(actor: Actor, dto: AddRepositoryDto) {
    const branch = dto.branch ?? 'main';
    assertBranchName(branch);
    await assertPublicSource(
      parseRepositoryUrl(dto.url),
      this.settings.get('marketplace.allow_private_sources'),
    );
    const slug = toSlug(dto.name);
    const now = nowIso();
    const row = await this.transactions.run(async (manager) => {
      const repositories = manager.getRepository(MarketplaceRepositoryEntity);
      if (await repositories.findOneBy({ slug })) {
        throw new DomainError(
          'CONFLICT',
          `A repository named like "${dto.name}" (${slug}) already exists; choose another name.`,
        );
      }
      const created = repositories.create({
        id: randomUUID(),
        name: dto.name,
        slug,
        url: dto.url,
        branch,
        format: dto.format ?? 'auto',
        detectedFormat: null,
        enabled: true,
        lastCommit: null,
        lastSyncedAt: null,
        lastSyncError: null,
        appCount: 0,
        createdAt: now,
        updatedAt: now,
      });
      await repositories.insert(created);
      await this.audit.record(
        actor,
        {
          action: 'marketplace.repository_added',
          targetType: 'repository',
          targetId: created.id,
          details: { name: dto.name, url: dto.url, branch, format: created.format },
        },
        manager,
      );
      return created;
    });
    // The first sync runs at once; when it fails the repository stays, with the error.
    let sync: SyncResult | null = null;
    let syncError: string | null = null;
    try {
      sync = await this.sync(actor, { repository_id: row.id });
    } catch (error) {
      syncError = error instanceof Error ? error.message : String(error);
    }
    return { repository: toRepositoryView(await this.load(row.id)), sync, sync_error: syncError };
  }

  async list(): Promise<Page<ReturnType<typeof toRepositoryView>>> {
    const rows = await this.repositories.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return { items: rows.map(toRepositoryView), total: rows.length };
  }

  async update(actor: Actor, dto: UpdateRepositoryDto) {
    if (dto.branch !== undefined) assertBranchName(dto.branch);
    const row = await this.transactions.run(async (manager) => {
      const repositories = manager.getRepository(MarketplaceRepositoryEntity);
      const current = await repositories.findOneBy({ id: dto.repository_id });
      if (!current) throw notFound('Repository', dto.repository_id);
      const changes: Partial<MarketplaceRepositoryEntity> = {};
      if (dto.name !== undefined) changes.name = dto.name;
      if (dto.branch !== undefined) changes.branch = dto.branch;
      if (dto.enabled !== undefined) changes.enabled = dto.enabled;
      Object.assign(current, changes, { updatedAt: nowIso() });
      await repositories.save(current);
      await this.audit.record(
        actor,
        {
          action: 'marketplace.repository_updated',
          targetType: 'repository',
          targetId: current.id,
          details: { name: dto.name, branch: dto.branch, enabled: dto.enabled },
        },
        manager,
      );
      return current;
    });
    return toRepositoryView(row);
  }

  async remove(actor: Actor, dto: RepositoryIdDto): Promise<{ success: boolean }> {
    const row = await this.load(dto.repository_id);
    if (row.url === BUILTIN_URL) {
      throw new DomainError(
        'CONFLICT',
        'The built-in catalog cannot be removed; disable it instead.',
      );
    }
    await this.transactions.run(async (manager) => {
      await CatalogStore.remove(manager, row.id);
      await manager.getRepository(MarketplaceRepositoryEntity).delete({ id: row.id });
      await this.audit.record(
        actor,
        {
          action: 'marketplace.repository_removed',
          targetType: 'repository',
          targetId: row.id,
          details: { name: row.name, url: row.url },
        },
        manager,
      );
    });
    await this.checkout(row.id).remove();
    return { success: true };
  }

  /** Fetches the branch tip, imports every app and swaps the repository's catalog at once. */
  async sync(actor: Actor, dto: RepositoryIdDto): Promise<SyncResult> {
    const row = await this.load(dto.repository_id);
    if (row.url === BUILTIN_URL) {
      throw new DomainError(
        'CONFLICT',
        'The built-in catalog ships with Tomo and is not synced from git.',
      );
    }
    if (!row.enabled) {
      throw new DomainError('CONFLICT', `Repository "${row.name}" is disabled; enable it to sync.`);
    }
    if (this.syncing.has(row.id)) {
      throw new DomainError('CONFLICT', `Repository "${row.name}" is already syncing.`);
    }
    this.syncing.add(row.id);
    try {
      return await this.runSync(actor, row);
    } finally {
      this.syncing.delete(row.id);
    }
  }

  private async runSync(actor: Actor, row: MarketplaceRepositoryEntity): Promise<SyncResult> {
    let commit: string;
    let result;
    try {
      await assertPublicSource(
        parseRepositoryUrl(row.url),
        this.settings.get('marketplace.allow_private_sources'),
      );
      const checkout = this.checkout(row.id);
      commit = await checkout.sync(row.url, row.branch);
      const tree = new DirectoryTree(checkout.directory);
      // The importers (YAML, TOML, the schema validator) load on the first sync, not at startup.
      const { importerFor } = loadImporters();
      const importer = importerFor(row.format, tree);
      result = importer.import(tree);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.transactions.run(async (manager) => {
        await manager
          .getRepository(MarketplaceRepositoryEntity)
          .update({ id: row.id }, { lastSyncError: message.slice(0, 1024), updatedAt: nowIso() });
        await this.audit.record(
          actor,
          {
            action: 'marketplace.repository_synced',
            targetType: 'repository',
            targetId: row.id,
            result: 'failure',
            details: { error: message.slice(0, 300) },
          },
          manager,
        );
      });
      throw error;
    }
    const imported = result;
    return this.transactions.run(async (manager) => {
      const outcome = await CatalogStore.replace(manager, row, imported.apps, commit);
      const appCount = imported.apps.length - outcome.duplicates.length;
      await manager.getRepository(MarketplaceRepositoryEntity).update(
        { id: row.id },
        {
          lastCommit: commit,
          lastSyncedAt: nowIso(),
          lastSyncError: null,
          detectedFormat: imported.format,
          appCount,
          updatedAt: nowIso(),
        },
      );
      const errors = [
        ...imported.skipped.map((skipped) => ({ path: skipped.path, message: skipped.reason })),
        ...outcome.duplicates,
      ];
      await this.audit.record(
        actor,
        {
          action: 'marketplace.repository_synced',
          targetType: 'repository',
          targetId: row.id,
          details: {
            commit,
            format: imported.format,
            apps: appCount,
            added: outcome.added,
            updated: outcome.updated,
            removed: outcome.removed,
            errors: errors.length,
          },
        },
        manager,
      );
      return {
        repository_id: row.id,
        commit,
        format: imported.format,
        apps_added: outcome.added,
        apps_updated: outcome.updated,
        apps_removed: outcome.removed,
        errors,
      };
    });
  }

  /** Scheduled sync: enabled repositories whose last sync is older than the interval. */
  private async syncDue(): Promise<void> {
    const minutes = this.settings.get('marketplace.sync_interval');
    if (minutes === 0) return;
    const cutoff = Date.now() - minutes * 60_000;
    const rows = await this.repositories.findBy({ enabled: true });
    for (const row of rows) {
      if (row.url === BUILTIN_URL || this.syncing.has(row.id)) continue;
      if (row.lastSyncedAt && Date.parse(row.lastSyncedAt) > cutoff) continue;
      try {
        await this.sync(SYSTEM_ACTOR, { repository_id: row.id });
      } catch (error) {
        this.logger.warn(
          `scheduled sync of repository ${row.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  private async load(id: string): Promise<MarketplaceRepositoryEntity> {
    const row = await this.repositories.findOneBy({ id });
    if (!row) throw notFound('Repository', id);
    return row;
  }

  private checkout(id: string): GitCheckout {
    return new GitCheckout(join(this.config.dataDirectory, 'catalogs', id));
  }
}

export const BUILTIN_URL = 'builtin:';

/**
 * The importers pull in YAML, TOML and the schema validator (a few hundred ms and MiB); they are
 * loaded on the first sync rather than when Tomo starts.
 */
export function loadImporters(): typeof import('./importers/importer-registry') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy
  return require('./importers/importer-registry') as typeof import('./importers/importer-registry');
}

function toSlug(name: string): string {
  try {
    return toAppId(name);
  } catch {
    throw new DomainError(
      'VALIDATION_FAILED',
      `name: "${name}" needs at least two letters or digits (it also names the repository's apps).`,
    );
  }
}
