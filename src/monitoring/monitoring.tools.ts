import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { McpTool, READ_ONLY } from '../mcp/mcp-tool.decorator';
import { ServerIdDto } from '../servers/dto/server.dto';
import { GetMetricsDto } from './dto/get-metrics.dto';
import { MonitoringService } from './monitoring.service';
import {
  DASHBOARD_SCHEMA,
  METRICS_SCHEMA,
  RESOURCE_USAGE_SCHEMA,
  STATUS_SCHEMA,
} from './monitoring.views';

@Injectable()
export class MonitoringTools {
  constructor(private readonly monitoring: MonitoringService) {}

  @McpTool({
    name: 'get_status',
    description:
      'Fleet status at a glance: servers and apps by status, connected agents, the last backup, and open alerts (servers not online, disconnected agents, failed apps).',
    access: 'readonly',
    toolset: 'monitoring',
    input: EmptyDto,
    output: STATUS_SCHEMA,
    annotations: READ_ONLY,
  })
  getStatus() {
    return this.monitoring.status();
  }

  @McpTool({
    name: 'get_metrics',
    description:
      'Time series of a server (cpu_percent, memory_percent, disk_percent, load_1, net_rx_bytes, net_tx_bytes) between since and until (default: the last 24 h), downsampled to resolution: each point is a bucket start with the average (value), min and max. At most 2000 points per series.',
    access: 'readonly',
    toolset: 'monitoring',
    input: GetMetricsDto,
    output: METRICS_SCHEMA,
    annotations: READ_ONLY,
  })
  getMetrics(_actor: Actor, input: GetMetricsDto) {
    return this.monitoring.getMetrics(input);
  }

  @McpTool({
    name: 'get_resource_usage',
    description:
      'Current CPU, memory, disk, load and network counters of a server, read now from its agent or, without one, over SSH.',
    access: 'readonly',
    toolset: 'monitoring',
    input: ServerIdDto,
    output: RESOURCE_USAGE_SCHEMA,
    annotations: { ...READ_ONLY, openWorldHint: true },
  })
  getResourceUsage(_actor: Actor, input: ServerIdDto) {
    return this.monitoring.resourceUsage(input);
  }

  @McpTool({
    name: 'get_dashboard',
    description:
      'Everything the home page shows in one call: get_status plus the newest CPU, memory, disk and load of each server and recent activity.',
    access: 'readonly',
    toolset: 'monitoring',
    input: EmptyDto,
    output: DASHBOARD_SCHEMA,
    annotations: READ_ONLY,
  })
  getDashboard() {
    return this.monitoring.dashboard();
  }
}
