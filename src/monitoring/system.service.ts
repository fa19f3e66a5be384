import { Inject, Injectable } from '@nestjs/common';
import { statfs, stat } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';

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
}

/** Liveness, readiness, version and facts about the running backend. */
@Injectable()
export class SystemService {
  private readonly startedAt = new Date();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
    return {
      version: this.config.version,
      started_at: this.startedAt.toISOString(),
      uptime_seconds: Math.round(process.uptime()),
      node_version: process.version,
      platform: process.platform,
      arch: process.arch,
      database_size_bytes: await this.databaseSize(),
      data_directory: this.config.dataDirectory,
      data_directory_free_bytes: await this.freeBytes(),
    };
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
