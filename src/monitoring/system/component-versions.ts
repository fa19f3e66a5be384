import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, Repository } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { SYSTEM_ACTOR } from '../../common/auth/principal';
import { nowIso } from '../../common/time';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AGENT_VERSION } from '../../daemon/version';
import { TransactionRunner } from '../../database/transaction-runner';
import { ComponentVersionEntity } from './component-version.entity';

export interface ComponentVersion {
  component: string;
  version: string;
  updated_at: string;
  /** The version this one replaced, when it changed while Tomo was installed. */
  previous_version: string | null;
}

/**
 * The version in an installed package's package.json, or null when it cannot be read. Found
 * from the package's entry point upwards: packages with an `exports` map (typeorm) do not
 * export their package.json.
 */
function packageVersion(name: string): string | null {
  try {
    let directory = dirname(require.resolve(name));
    for (;;) {
      try {
        const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (manifest.name === name) return manifest.version ?? null;
      } catch {
        // no package.json at this level
      }
      const parent = dirname(directory);
      if (parent === directory) return null;
      directory = parent;
    }
  } catch {
    return null;
  }
}

/**
 * Keeps `component_versions` true: at startup each component's running version is written, and
 * a changed one (an upgrade of Tomo, a new schema) gets a new updated_at, keeps the version it
 * replaced in details, and is audited as `system.component_updated`.
 */
@Injectable()
export class ComponentVersions implements OnApplicationBootstrap {
  private readonly logger = new Logger('system');

  constructor(
    @InjectRepository(ComponentVersionEntity)
    private readonly versions: Repository<ComponentVersionEntity>,
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.record(await this.running());
    } catch (error) {
      // Bookkeeping: a failure here must not keep Tomo from serving.
      this.logger.warn({ err: error }, 'could not record component versions');
    }
  }

  /** What runs now, component by component. */
  async running(): Promise<Record<string, string>> {
    const running: Record<string, string> = {
      tomo: this.config.version,
      schema: (await this.schemaVersion()) ?? 'none',
      node: process.version.replace(/^v/, ''),
      agent: AGENT_VERSION,
    };
    if (this.dataSource.options.type === 'better-sqlite3') {
      const [row] = await this.dataSource.query<{ version: string }[]>(
        'SELECT sqlite_version() AS version',
      );
      if (row) running.sqlite = row.version;
    }
    for (const name of [
      'better-sqlite3',
      'typeorm',
      '@nestjs/core',
      '@modelcontextprotocol/server',
    ]) {
      const version = packageVersion(name);
      if (version) running[name] = version;
    }
    return running;
  }

  async list(): Promise<ComponentVersion[]> {
    const rows = await this.versions.find({ order: { component: 'ASC' } });
    return rows.map((row) => ({
      component: row.component,
      version: row.version,
      updated_at: row.updatedAt,
      previous_version: previousOf(row.details),
    }));
  }

  /** The last migration applied (its class name, which carries its timestamp). */
  private async schemaVersion(): Promise<string | null> {
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    const [row] = await this.dataSource.query<{ name: string }[]>(
      `SELECT name FROM ${table} ORDER BY timestamp DESC LIMIT 1`,
    );
    return row?.name ?? null;
  }

  private async record(running: Record<string, string>): Promise<void> {
    await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(ComponentVersionEntity);
      const stored = new Map((await repository.find()).map((row) => [row.component, row]));
      const now = nowIso();
      for (const [component, version] of Object.entries(running)) {
        const row = stored.get(component);
        if (row?.version === version) continue;
        await repository.save({
          component,
          version,
          updatedAt: now,
          details: row ? JSON.stringify({ previous_version: row.version }) : null,
        });
        if (row && (component === 'tomo' || component === 'schema')) {
          await this.audit.record(
            SYSTEM_ACTOR,
            {
              action: 'system.component_updated',
              targetType: 'component',
              targetId: component,
              details: { from: row.version, to: version },
            },
            manager,
          );
        }
      }
    });
  }
}

function previousOf(details: string | null): string | null {
  if (!details) return null;
  try {
    const parsed = JSON.parse(details) as { previous_version?: unknown };
    return typeof parsed.previous_version === 'string' ? parsed.previous_version : null;
  } catch {
    return null;
  }
}
