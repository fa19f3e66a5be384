import { Inject, Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type LabelValues,
} from 'prom-client';
import { AgentConnections } from '../../agents/gateway/agent-connections';
import { MCP_CALL_OBSERVER, McpCallObserver } from '../../mcp/mcp-call-observer';
import { McpToolRegistry } from '../../mcp/mcp-tool-registry';
import { SshPool } from '../../servers/ssh/ssh-pool';
import { MetricRollup } from '../metrics/metric-rollup';

/** Seconds; REST answers in a few ms, deploys and SSH commands can take minutes. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

type HttpLabel = 'method' | 'route' | 'status_class';

/**
 * Process-wide metrics (CPU, memory, heap, GC, event loop lag: prom-client's defaults) exist
 * once per process, whatever number of Tomo applications it runs (the e2e suites start several).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of the backend itself, served as text at GET /metrics: HTTP latency by
 * route template, MCP tool calls by tool and result, connected agents, the SSH pool, and the
 * Node process (event loop lag included). Gauges are read when scraped, so they cost nothing
 * between scrapes; the per-request cost is one histogram observation.
 */
@Injectable()
export class BackendMetrics {
  private readonly registry = new Registry();
  private readonly httpDuration: Histogram<HttpLabel>;
  private readonly httpChildren = new Map<string, ReturnType<Histogram<HttpLabel>['labels']>>();
  private readonly toolCalls: Counter<'tool' | 'result'>;

  constructor(
    connections: AgentConnections,
    pool: SshPool,
    private readonly tools: McpToolRegistry,
    @Inject(MCP_CALL_OBSERVER) calls: McpCallObserver,
    rollup: MetricRollup,
  ) {
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'tomo_http_request_duration_seconds',
      help: 'HTTP requests served, by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.toolCalls = new Counter({
      name: 'tomo_mcp_tool_calls_total',
      help: 'MCP tools/call requests, by tool and result (success or error).',
      labelNames: ['tool', 'result'],
      registers,
    });
    new Gauge({
      name: 'tomo_agents_connected',
      help: 'Agents with an open /ws/agent socket on this process.',
      registers,
      collect() {
        this.set(connections.all().filter((connection) => connection.isOpen).length);
      },
    });
    const sshGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    sshGauge(
      'tomo_ssh_pool_connections',
      'Open pooled SSH connections (one per server at most).',
      () => pool.stats().connections,
    );
    sshGauge(
      'tomo_ssh_pool_channels_in_use',
      'SSH channels running a command now.',
      () => pool.stats().inUse,
    );
    sshGauge(
      'tomo_ssh_pool_waiting',
      'Commands waiting for a free SSH channel.',
      () => pool.stats().waiting,
    );
    new Gauge({
      name: 'tomo_metrics_rollup_lag_seconds',
      help: 'Finished hours of metric samples not rolled up yet (0 when up to date).',
      registers,
      async collect() {
        this.set(await rollup.lagSeconds());
      },
    });
    calls.onToolCalled((tool, isError) => this.countToolCall(tool, isError));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    const [process, own] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process.trimEnd()}\n\n${own}`;
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const statusClass = `${Math.floor(status / 100)}xx`;
    const key = `${method} ${route} ${statusClass}`;
    let child = this.httpChildren.get(key);
    if (!child) {
      const labels: LabelValues<HttpLabel> = { method, route, status_class: statusClass };
      child = this.httpDuration.labels(labels);
      this.httpChildren.set(key, child);
    }
    child.observe(seconds);
  }

  countToolCall(tool: string, isError: boolean): void {
    // A name a client made up must not become a series of its own.
    const known = this.tools.get(tool) ? tool : 'unknown';
    this.toolCalls.inc({ tool: known, result: isError ? 'error' : 'success' });
  }
}
