import { realpathSync } from 'node:fs';
import type Docker from 'dockerode';
import { DEFAULT_CONFIG, mergeConfig, type AgentConfig } from './agent-config';
import { Backoff, type BackoffOptions } from './backoff';
import { displayUrl, type AgentOptions } from './cli-options';
import { AgentConnection, type HandshakeReply, type HandshakeRequest } from './connection';
import { errorMessage, type Logger } from './logger';
import { buildMethodTable } from './methods';
import { ExecLimiter, ProcessGroups } from './methods/exec';
import { MetricsCollector } from './metrics';
import { Notifier, notification } from './notifier';
import { CloseCode } from './protocol';
import { RpcServer } from './rpc-server';
import type { StateStore } from './state-file';
import type { TlsTrust } from './tls-trust';
import { AGENT_VERSION } from './version';

export const ExitCode = {
  ok: 0,
  fatal: 1,
  usage: 2,
  revoked: 3,
  registrationRefused: 4,
} as const;

/** Handshake errors that no retry can fix: the code is unknown, spent or expired. */
const CODE_REFUSALS = new Set([
  'Invalid or expired registration code',
  'Registration code required',
]);

/** The socket as configured and, when it is reached through a symlink, as it really is. */
function socketPaths(socket: string): string[] {
  try {
    return [...new Set([socket, realpathSync(socket)])];
  } catch {
    return [socket];
  }
}

export interface AgentParams {
  options: AgentOptions;
  serverUrl: string;
  tls: TlsTrust;
  store: StateStore;
  docker: Docker;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
  now?: () => Date;
}

/**
 * The daemon's life: dial, handshake, serve, and dial again after any close but a revocation
 * (AGENT_PROTOCOL.md §6). The JSON-RPC server outlives connections so a nonce or request id seen
 * before a reconnect is still recognised after it.
 */
export class Agent {
  private config: AgentConfig = { ...DEFAULT_CONFIG };
  private readonly backoff: Backoff;
  /** Separate so two agents sharing one state file cannot evict each other once a second. */
  private readonly replacedBackoff: Backoff;
  private readonly rpc: RpcServer;
  private readonly notifier: Notifier;
  private readonly groups = new ProcessGroups();
  private connection: AgentConnection | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private readonly now: () => Date;

  constructor(private readonly params: AgentParams) {
    this.now = params.now ?? (() => new Date());
    this.backoff = new Backoff(params.backoff);
    this.replacedBackoff = new Backoff(params.backoff);
    const metrics = new MetricsCollector(params.docker);
    const { options, logger } = params;
    this.rpc = new RpcServer({
      logger,
      methods: buildMethodTable({
        agent: {
          store: params.store,
          config: () => this.config,
          applyConfig: (next, changed) => this.applyConfig(next, changed),
          logger,
          now: this.now,
        },
        exec: { noExec: options.noExec, limiter: new ExecLimiter(), groups: this.groups },
        docker: params.docker,
        metrics,
        policy: {
          allowHostNetwork: options.allowHostNetwork,
          dockerSocketPaths: socketPaths(options.dockerSocket),
        },
      }),
    });
    this.notifier = new Notifier({
      collectMetrics: () => metrics.collect(),
      config: () => this.config,
      logger,
    });
  }

  get currentConfig(): AgentConfig {
    return this.config;
  }

  /** Resolves with the process exit code. */
  async run(): Promise<number> {
    const { logger } = this.params;
    logger.info('agent.start', {
      version: AGENT_VERSION,
      server: displayUrl(this.params.serverUrl),
      state_file: this.params.store.path,
      exec: !this.params.options.noExec,
      host_network: this.params.options.allowHostNetwork,
    });
    while (!this.stopping) {
      const handshake = this.handshakeRequest();
      const connection = new AgentConnection({
        url: this.params.serverUrl,
        tls: this.params.tls,
        handshake,
        handshakeTimeoutMs: this.config.reconnect_timeout * 1000,
        heartbeatTimeoutMs: () => this.config.heartbeat_timeout * 1000,
        logger,
        hooks: {
          onHandshake: (reply) => this.onHandshake(reply),
          onReady: (channel) => this.notifier.start(channel),
          onFrame: (text, channel) => void this.rpc.handleFrame(text, channel),
        },
      });
      this.connection = connection;
      const end = await connection.run();
      this.connection = undefined;
      this.notifier.stop();
      logger.info('connection.closed', {
        close_code: end.code,
        reason: end.reason,
        after_handshake: end.handshakeDone,
      });
      if (this.stopping) break;
      if (end.fatal !== undefined) {
        logger.error('agent.fatal', { error: end.fatal.message });
        return ExitCode.fatal;
      }
      if (end.code === CloseCode.revoked) {
        logger.error('agent.revoked', {
          message:
            'the backend revoked this agent (close 4003); not reconnecting. Register it again with a new code.',
        });
        return ExitCode.revoked;
      }
      if (
        handshake.type === 'register' &&
        end.handshakeError !== undefined &&
        CODE_REFUSALS.has(end.handshakeError)
      ) {
        logger.error('agent.registration_refused', {
          error: end.handshakeError,
          message: 'the registration code was refused; issue a new one and start the agent with it',
        });
        return ExitCode.registrationRefused;
      }
      let delay: number;
      if (end.code === CloseCode.replaced) {
        delay = this.replacedBackoff.next();
        logger.warn('connection.replaced', {
          message:
            'a newer connection authenticated as this agent; is a second agent using the same state file?',
        });
      } else {
        this.replacedBackoff.reset();
        delay = this.backoff.next();
      }
      logger.info('connection.retry', { delay_ms: delay, attempt: this.backoff.attempts });
      await this.sleep(delay);
    }
    return ExitCode.ok;
  }

  /**
   * Graceful stop (SIGTERM/SIGINT): tell the backend, close, kill commands still running (their
   * process groups are detached and would outlive us), and let `run` resolve with 0.
   */
  async stop(reason: string, restart = false): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.params.logger.info('agent.stopping', { reason, restart });
    this.wake?.();
    const connection = this.connection;
    if (connection !== undefined) {
      if (connection.isOpen()) {
        try {
          connection.send(notification('agent.shutdown', { reason, restart }));
        } catch {
          // the socket is going anyway
        }
      }
      connection.close(CloseCode.normal, 'agent shutting down');
    }
    const killed = this.groups.killAll();
    if (killed > 0) this.params.logger.info('exec.killed_on_shutdown', { count: killed });
    this.notifier.stop();
    return Promise.resolve();
  }

  private handshakeRequest(): HandshakeRequest {
    const state = this.params.store.state;
    if (state !== null) return { type: 'authenticate', token: state.token, version: AGENT_VERSION };
    return { type: 'register', code: this.params.options.code ?? '', version: AGENT_VERSION };
  }

  private async onHandshake(reply: HandshakeReply): Promise<void> {
    const { logger, store } = this.params;
    if (reply.type === 'registered') {
      try {
        await store.save({
          agent_id: reply.agent_id,
          token: reply.token,
          server_url: this.params.serverUrl,
          registered_at: this.now().toISOString(),
        });
      } catch (err) {
        // The code is spent and the token exists nowhere else: only a new code can recover.
        throw new Error(
          `registered as ${reply.agent_id} but could not save ${store.path}: ${errorMessage(err)}; issue a new code`,
          { cause: err },
        );
      }
      logger.info('agent.registered', { agent_id: reply.agent_id, state_file: store.path });
    } else {
      const stored = store.state?.agent_id;
      if (stored !== undefined && stored !== reply.agent_id) {
        logger.warn('agent.id_mismatch', { stored, reported: reply.agent_id });
      }
      logger.info('agent.authenticated', { agent_id: reply.agent_id });
    }
    this.backoff.reset();
    const merged = mergeConfig(this.config, reply.config);
    if (merged.problems.length > 0) {
      logger.warn('config.ignored_values', { problems: merged.problems });
    }
    this.config = merged.config;
    logger.info('config.applied', { config: this.config });
  }

  private applyConfig(next: AgentConfig, changed: (keyof AgentConfig)[]): void {
    this.config = next;
    this.params.logger.info('config.updated', { changed, config: next });
    if (changed.includes('metrics_interval') || changed.includes('health_interval')) {
      this.notifier.reschedule();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
