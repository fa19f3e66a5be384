import { Inject, Injectable } from '@nestjs/common';
import { readFile, statfs, stat } from 'node:fs/promises';
import { cpus, freemem, hostname, release, totalmem } from 'node:os';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { ComponentVersion, ComponentVersions } from './system/component-versions';
import { DatabaseStats, TableRows } from './system/database-stats';

/** The revision createMcpHandler serves besides the 2025-era ones the SDK lists. */
const MODERN_MCP_PROTOCOL_VERSION = '2026-07-28';

/** Below this much free space in the data directory Tomo reports itself not ready. */
const MIN_FREE_BYTES = 64 * 1024 * 1024;

export type CheckStatus = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'error';
  checks: {
    database: { status: CheckStatus; error?: string };
    disk: { status: CheckStatus; free_bytes: number | null };
  };
}

export interface VersionInfo {
  name: 'tomo';
  version: string;
  api_version: 'v1';
  mcp_protocol_versions: string[];
}

export interface SystemInfo {
  version: string;
  started_at: string;
  uptime_seconds: number;
  node_version: string;
  platform: string;
  arch: string;
  database_size_bytes: number;
  data_directory: string;
  data_directory_free_bytes: number | null;
  os: { platform: string; release: string; distro: string | null; hostname: string };
  cpu: { model: string; cores: number };
  memory: { total_bytes: number; free_bytes: number };
  disk: { path: string; total_bytes: number | null; free_bytes: number | null };
  database: { type: string; size_bytes: number; tables: TableRows[] };
  components: ComponentVersion[];
  agent_versions: { version: string; agents: number }[];
}

/** PRETTY_NAME of /etc/os-release (or NAME VERSION), null when the file is absent. */
export function distroOf(osRelease: string): string | null {
  const fields = new Map<string, string>();
  for (const line of osRelease.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) {
      fields.set(match[1], match[2].replace(/^(["'])(.*)\1$/, '$2'));
    }
  }
  const pretty = fields.get('PRETTY_NAME');
  if (pretty) return pretty;
  const name = fields.get('NAME');
  return name ? [name, fields.get('VERSION')].filter(Boolean).join(' ') : null;
}

/** Liveness, readiness, version and facts about the running backend. */
@Injectable()
export class SystemService {
  private readonly startedAt = new Date();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly components: ComponentVersions,
    private readonly database: DatabaseStats,
  ) {}

  async readiness(): Promise<HealthReport> {
    let database: HealthReport['checks']['database'] = { status: 'up' };
    try {
      await this.dataSource.query('SELECT 1');
    } catch (error) {
      database = { status: 'down', error: error instanceof Error ? error.message : 'unreachable' };
    }
    const free = await this.freeBytes();
    const diskStatus: CheckStatus = free === null || free >= MIN_FREE_BYTES ? 'up' : 'down';
    const disk = { status: diskStatus, free_bytes: free };
    const ok = database.status === 'up' && disk.status === 'up';
    return { status: ok ? 'ok' : 'error', checks: { database, disk } };
  }

  version(): VersionInfo {
    return {
      name: 'tomo',
      version: this.config.version,
      api_version: 'v1',
      mcp_protocol_versions: [MODERN_MCP_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS],
    };
  }

  async info(): Promise<SystemInfo> {
    const databaseSize = await this.databaseSize();
    const disk = await this.disk();
    const processors = cpus();
    return {
      version: this.config.version,
      started_at: this.startedAt.toISOString(),
      uptime_seconds: Math.round(process.uptime()),
      node_version: process.version,
      platform: process.platform,
      arch: process.arch,
      database_size_bytes: databaseSize,
      data_directory: this.config.dataDirectory,
      data_directory_free_bytes: disk.free_bytes,
      os: {
        platform: process.platform,
        release: release(),
        distro: await readFile('/etc/os-release', 'utf8').then(distroOf, () => null),
        hostname: hostname(),
      },
      cpu: { model: processors[0]?.model.trim() ?? 'unknown', cores: processors.length },
      memory: { total_bytes: totalmem(), free_bytes: freemem() },
      disk,
      database: {
        type: this.dataSource.options.type,
        size_bytes: databaseSize,
        tables: await this.database.rowCounts(),
      },
      components: await this.components.list(),
      agent_versions: await this.database.agentVersions(),
    };
  }

  private async disk(): Promise<SystemInfo['disk']> {
    try {
      const fs = await statfs(this.config.dataDirectory);
      return {
        path: this.config.dataDirectory,
        total_bytes: fs.blocks * fs.bsize,
        free_bytes: fs.bavail * fs.bsize,
      };
    } catch {
      return { path: this.config.dataDirectory, total_bytes: null, free_bytes: null };
    }
  }

  private async databaseSize(): Promise<number> {
    let total = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        total += (await stat(this.config.databasePath + suffix)).size;
      } catch {
        // the -wal and -shm files exist only while the database is open in WAL mode
      }
    }
    return total;
  }

  private async freeBytes(): Promise<number | null> {
    try {
      const fs = await statfs(this.config.dataDirectory);
      return fs.bavail * fs.bsize;
    } catch {
      return null;
    }
  }
}
