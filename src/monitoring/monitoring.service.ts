import { Inject, Injectable, Optional } from '@nestjs/common';
import { AgentConnections } from '../agents/gateway/agent-connections';
import { DomainError } from '../common/errors/domain-error';
import { AppsService } from '../deployment/apps.service';
import { INSTALLATION_STATUSES } from '../deployment/entities/installed-app.entity';
import { ActivityService } from '../logs/activity.service';
import type { ActivityView } from '../logs/logs.views';
import { AGENT_STATUS_SOURCE, AgentStatusSource } from '../servers/agent-status-source';
import type { ServerIdDto } from '../servers/dto/server.dto';
import { SERVER_STATUSES } from '../servers/server.entity';
import { ServerConnector } from '../servers/server-connector';
import type { ServerView } from '../servers/servers.views';
import { ServersService } from '../servers/servers.service';
import type { GetMetricsDto } from './dto/get-metrics.dto';
import { LAST_BACKUP_SOURCE, LastBackup, LastBackupSource } from './last-backup-source';
import { METRIC_NAMES } from './metrics/metric-names';
import { DownsampledSeries, LatestReading, MetricsService } from './metrics/metrics.service';
import {
  defaultResolution,
  formatResolution,
  parseResolution,
  Resolution,
} from './metrics/resolution';
import type { ResourceFigures } from './resources/resource-reading';
import { ResourceReader } from './resources/resource-reader';

const DAY_MS = 86_400_000;
/** Alerts listed by get_status (their count, open_alerts, is exact). */
const ALERTS_SHOWN = 50;
/** Servers with their latest metrics on the dashboard. */
const DASHBOARD_SERVERS = 100;
/** Activity entries on the dashboard. */
const DASHBOARD_ACTIVITY = 20;

export interface MetricsResult {
  server_id: string;
  since: string;
  until: string;
  resolution: string;
  /** Bucket width; null for raw. */
  resolution_seconds: number | null;
  series: DownsampledSeries[];
}

export interface ResourceUsage extends ResourceFigures {
  server_id: string;
  method: 'agent' | 'ssh';
  sampled_at: string;
}

export type AlertKind =
  | 'server_unreachable'
  | 'server_auth_failed'
  | 'server_host_key_changed'
  | 'agent_disconnected'
  | 'app_failed';

export interface Alert {
  kind: AlertKind;
  target_id: string;
  name: string;
  /** What went wrong, when known. */
  message: string | null;
  /** Since when, as far as Tomo knows (last seen, last heartbeat, last change). */
  since: string | null;
}

export interface StatusReport {
  servers: { total: number; by_status: Record<string, number> };
  agents: { connected: number; total: number; by_status: Record<string, number> };
  apps: { total: number; by_status: Record<string, number> };
  last_backup: LastBackup | null;
  open_alerts: number;
  alerts: Alert[];
}

export interface DashboardServer {
  id: string;
  name: string;
  hostname: string;
  status: string;
  agent_status: string | null;
  /** Time of the newest sample; null when the server has none yet. */
  sampled_at: string | null;
  cpu_percent: number | null;
  memory_percent: number | null;
  disk_percent: number | null;
  load_1: number | null;
}

export interface Dashboard extends StatusReport {
  servers_overview: { items: DashboardServer[]; total: number };
  recent_activity: ActivityView[];
}

/** get_metrics, get_resource_usage, get_status and get_dashboard. */
@Injectable()
export class MonitoringService {
  constructor(
    private readonly metrics: MetricsService,
    private readonly reader: ResourceReader,
    private readonly servers: ServersService,
    private readonly connector: ServerConnector,
    private readonly apps: AppsService,
    private readonly connections: AgentConnections,
    private readonly activity: ActivityService,
    @Inject(AGENT_STATUS_SOURCE) private readonly agentStatuses: AgentStatusSource,
    @Optional() @Inject(LAST_BACKUP_SOURCE) private readonly backups?: LastBackupSource,
  ) {}

  async getMetrics(dto: GetMetricsDto): Promise<MetricsResult> {
    const untilMs = dto.until === undefined ? Date.now() : Date.parse(dto.until);
    const sinceMs = dto.since === undefined ? untilMs - DAY_MS : Date.parse(dto.since);
    if (sinceMs > untilMs) {
      throw new DomainError('VALIDATION_FAILED', 'since must not be after until.');
    }
    const resolution: Resolution =
      dto.resolution === undefined
        ? defaultResolution(untilMs - sinceMs)
        : parseResolution(dto.resolution);
    await this.connector.load(dto.server_id);
    const series = await this.metrics.downsampleMany(
      dto.server_id,
      dto.metric ? [dto.metric] : METRIC_NAMES,
      sinceMs,
      untilMs,
      resolution,
    );
    return {
      server_id: dto.server_id,
      since: new Date(sinceMs).toISOString(),
      until: new Date(untilMs).toISOString(),
      resolution: formatResolution(resolution),
      resolution_seconds: resolution.kind === 'raw' ? null : resolution.seconds,
      series,
    };
  }

  /** Asks now: the agent when connected, else SSH. Nothing is stored. */
  async resourceUsage(dto: ServerIdDto): Promise<ResourceUsage> {
    await this.connector.load(dto.server_id);
    const sample = await this.reader.read(dto.server_id);
    return {
      server_id: dto.server_id,
      method: sample.method,
      ...sample.figures,
      sampled_at: new Date(sample.sampledAtMs).toISOString(),
    };
  }

  async status(): Promise<StatusReport> {
    const serverCounts = await this.servers.countByStatus();
    const serverTotal = sum(serverCounts);
    const alerts: Alert[] = [];
    let openAlerts = 0;
    // Every server that is not online is an alert: unreachable, refusing the credential, or
    // offering another host key.
    for (const status of SERVER_STATUSES.filter((s) => s !== 'online')) {
      if (!serverCounts[status]) continue;
      openAlerts += serverCounts[status];
      const page = await this.servers.list({ status, limit: ALERTS_SHOWN });
      for (const server of page.items) alerts.push(serverAlert(server, status));
    }

    const agentCounts: Record<string, number> = {};
    const disconnected: string[] = [];
    const serverIds = await this.servers.allIds();
    for (const [serverId, status] of await this.agentStatuses.statuses(serverIds)) {
      agentCounts[status] = (agentCounts[status] ?? 0) + 1;
      if (status === 'disconnected') disconnected.push(serverId);
    }
    openAlerts += disconnected.length;
    for (const serverId of disconnected.slice(0, ALERTS_SHOWN)) {
      const server = await this.servers.get({ server_id: serverId }).catch(() => null);
      if (!server) continue;
      alerts.push({
        kind: 'agent_disconnected',
        target_id: serverId,
        name: server.name,
        message: `The agent of ${server.name} is not connected.`,
        since: null,
      });
    }

    const appCounts: Record<string, number> = {};
    for (const status of INSTALLATION_STATUSES.filter((s) => s !== 'removed')) {
      const page = await this.apps.list({ status, limit: status === 'failed' ? ALERTS_SHOWN : 1 });
      if (page.total > 0) appCounts[status] = page.total;
      if (status !== 'failed') continue;
      openAlerts += page.total;
      for (const app of page.items) {
        alerts.push({
          kind: 'app_failed',
          target_id: app.id,
          name: app.name,
          message: app.error,
          since: app.updated_at,
        });
      }
    }

    return {
      servers: { total: serverTotal, by_status: serverCounts },
      agents: {
        connected: this.connections.all().filter((connection) => connection.isOpen).length,
        total: sum(agentCounts),
        by_status: agentCounts,
      },
      apps: { total: sum(appCounts), by_status: appCounts },
      last_backup: this.backups ? await this.backups.lastBackup() : null,
      open_alerts: openAlerts,
      alerts: alerts.slice(0, ALERTS_SHOWN),
    };
  }

  async dashboard(): Promise<Dashboard> {
    const status = await this.status();
    const page = await this.servers.list({ limit: DASHBOARD_SERVERS });
    const latest = await this.metrics.latest(page.items.map((server) => server.id));
    return {
      ...status,
      servers_overview: {
        items: page.items.map((server) => dashboardServer(server, latest.get(server.id))),
        total: page.total,
      },
      recent_activity: await this.activity.recent(DASHBOARD_ACTIVITY),
    };
  }
}

function sum(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((total, count) => total + (count ?? 0), 0);
}

function serverAlert(server: ServerView, status: string): Alert {
  const kind = `server_${status}` as AlertKind;
  return {
    kind,
    target_id: server.id,
    name: server.name,
    message: server.status_error ?? null,
    since: server.last_seen_at,
  };
}

function dashboardServer(server: ServerView, reading: LatestReading | undefined): DashboardServer {
  const value = (metric: keyof LatestReading) => reading?.[metric]?.value ?? null;
  return {
    id: server.id,
    name: server.name,
    hostname: server.hostname,
    status: server.status,
    agent_status: server.agent_status,
    sampled_at: reading?.cpu_percent?.t ?? null,
    cpu_percent: value('cpu_percent'),
    memory_percent: value('memory_percent'),
    disk_percent: value('disk_percent'),
    load_1: value('load_1'),
  };
}
