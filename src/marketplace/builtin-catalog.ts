import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SYSTEM_ACTOR } from '../common/auth/principal';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { CatalogStore } from './catalog-store';
import { DirectoryTree } from './catalog-tree';
import { MarketplaceRepositoryEntity } from './entities/marketplace-repository.entity';
import { TomoImporter } from './importers/tomo.importer';
import { BUILTIN_URL } from './repositories.service';

/** The catalog that ships with Tomo (`catalog/` of the package), from dist/ or from src/. */
const CATALOG_CANDIDATES = [join(__dirname, '../../../catalog'), join(__dirname, '../../catalog')];
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
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const directory = CATALOG_CANDIDATES.find((candidate) => existsSync(candidate));
    if (!directory) {
      this.logger.warn('the built-in catalog (catalog/) is missing from this installation');
      return;
    }
    const result = new TomoImporter().import(new DirectoryTree(directory));
    for (const skipped of result.skipped) {
      this.logger.error(`built-in app ${skipped.path} is invalid: ${skipped.reason}`);
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(result.apps.map((app) => [app.path, app.manifest])))
      .digest('hex');
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
