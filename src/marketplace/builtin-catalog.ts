import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SYSTEM_ACTOR } from '../common/auth/principal';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { CatalogStore } from './catalog-store';
import { MarketplaceRepositoryEntity } from './entities/marketplace-repository.entity';
import { loadCatalog } from './builtin-catalog-file';
import { BUILTIN_URL } from './repositories.service';

const BUILTIN_ID = '00000000-0000-4000-8000-000000000001';

/**
 * Puts the built-in apps in the catalog at startup, so a fresh install is not empty. A repository
 * row like any other (slug `builtin`, url `builtin:`) that admins may disable but not sync or remove;
 * rewritten only when the shipped manifests changed.
 */
@Injectable()
export class BuiltinCatalog implements OnApplicationBootstrap {
  private readonly logger = new Logger(BuiltinCatalog.name);

  constructor(
    @InjectRepository(MarketplaceRepositoryEntity)
    private readonly repositories: Repository<MarketplaceRepositoryEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const catalog = loadCatalog();
    if (!catalog) {
      this.logger.warn('the built-in catalog (catalog/) is missing from this installation');
      return;
    }
    const current = await this.repositories.findOneBy({ id: BUILTIN_ID });
    if (current?.lastCommit === catalog.fingerprint) return;
    for (const app of catalog.invalid) {
      this.logger.error(`built-in app ${app.path} is invalid: ${app.reason}`);
    }
    const { fingerprint } = catalog;
    const result = { apps: catalog.apps };
    await this.transactions.run(async (manager) => {
      const repositories = manager.getRepository(MarketplaceRepositoryEntity);
      let row = await repositories.findOneBy({ id: BUILTIN_ID });
      if (row?.lastCommit === fingerprint) return;
      const now = nowIso();
      if (!row) {
        row = repositories.create({
          id: BUILTIN_ID,
          name: 'Built-in',
          slug: 'builtin',
          url: BUILTIN_URL,
          branch: 'main',
          format: 'tomo',
          detectedFormat: 'tomo',
          enabled: true,
          lastSyncError: null,
          appCount: 0,
          createdAt: now,
          updatedAt: now,
        });
        await repositories.insert(row);
      }
      const outcome = await CatalogStore.replace(manager, row, result.apps, null);
      Object.assign(row, {
        lastCommit: fingerprint,
        lastSyncedAt: now,
        appCount: result.apps.length - outcome.duplicates.length,
        updatedAt: now,
      });
      await repositories.save(row);
      await this.audit.record(
        SYSTEM_ACTOR,
        {
          action: 'marketplace.repository_synced',
          targetType: 'repository',
          targetId: BUILTIN_ID,
          details: {
            builtin: true,
            apps: row.appCount,
            added: outcome.added,
            updated: outcome.updated,
          },
        },
        manager,
      );
    });
  }
}
