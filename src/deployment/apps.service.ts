import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, SYSTEM_ACTOR } from '../common/auth/principal';
import { roleAtLeast } from '../common/auth/roles';
import type { Page } from '../common/dto/pagination.dto';
import { DomainError, notFound } from '../common/errors/domain-error';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { CatalogSearchService } from '../marketplace/catalog-search.service';
import { describeProblems, validateManifest } from '../marketplace/manifest/manifest-validator';
import type { AppManifest } from '../marketplace/manifest/manifest.types';
import { ServerConnector } from '../servers/server-connector';
import { InstallationView, toInstallationView } from './apps.views';
import { DeploymentEngine, lifecycle, ServiceState, StepRecord } from './deployment-engine';
import type {
  AppLogsDto,
  PreflightDto,
  DeployAppDto,
  InstallAppDto,
  InstallationIdDto,
  ListAppsDto,
  UninstallAppDto,
} from './dto/app.dto';
import { InstalledAppEntity, InstallationStatus } from './entities/installed-app.entity';
import { InstallationInputs } from './installation-inputs';
import type { DeploymentPlan } from './plan/deployment-plan.types';
import { PlanError } from './plan/plan-error';
import { resolvePlan } from './plan/resolve-plan';
import { dockerCli } from './drivers/docker-cli';
import {
  judge,
  parseHostResources,
  parsePublishedPorts,
  preflightScript,
  PreflightReport,
} from './preflight';
import { DockerSession, ServerDocker } from './server-docker';
import { shellCommand } from '../common/shell/shell-quote';

/** Statuses in which a deploy is under way (a backend restart interrupted it). */
const IN_FLIGHT: InstallationStatus[] = [
  'pending',
  'pulling',
  'creating',
  'starting',
  'uninstalling',
];

/**
 * The apps tools: install from the catalog or deploy a manifest, then start, stop, restart,
 * check (reconciled with Docker), read logs and uninstall. Every operation runs through the
 * agent when it is connected and SSH otherwise, and records which.
 */
@Injectable()
export class AppsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AppsService.name);

  constructor(
    @InjectRepository(InstalledAppEntity) private readonly apps: Repository<InstalledAppEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly connector: ServerConnector,
    private readonly catalog: CatalogSearchService,
    private readonly docker: ServerDocker,
    private readonly engine: DeploymentEngine,
    private readonly inputs: InstallationInputs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** An install interrupted by a restart is marked failed; its containers are cleaned up. */
  async onApplicationBootstrap(): Promise<void> {
    const interrupted = await this.apps.find({ where: IN_FLIGHT.map((status) => ({ status })) });
    for (const row of interrupted) {
      await this.save(row, {
        status: 'failed',
        error: 'Interrupted by a restart of Tomo; the containers it had created are being removed.',
      });
      void this.cleanUp(row).catch((error: unknown) =>
        this.logger.warn(`cleanup of interrupted installation ${row.id} failed: ${String(error)}`),
      );
    }
  }

  async install(actor: Actor, dto: InstallAppDto): Promise<InstallationView> {
    const app = await this.catalog.find(dto.app_id);
    const manifest = JSON.parse(app.manifest) as AppManifest;
    if (manifest.admin_only && !roleAtLeast(actor.principal?.role ?? 'readonly', 'admin')) {
      throw new DomainError('FORBIDDEN', `${app.name} may only be installed by an admin.`);
    }
    return this.deployManifest(actor, dto.server_id, app.id, manifest, dto.config ?? {});
  }

  async deploy(actor: Actor, dto: DeployAppDto): Promise<InstallationView> {
    const candidate = { ...dto.manifest };
    delete candidate.source;
    const result = validateManifest(candidate);
    if (!result.valid) {
      throw new DomainError('VALIDATION_FAILED', `manifest: ${describeProblems(result.problems)}`, {
        errors: result.problems.map((problem) => `manifest.${problem.path}: ${problem.message}`),
      });
    }
    if (result.manifest.admin_only && !roleAtLeast(actor.principal?.role ?? 'readonly', 'admin')) {
      throw new DomainError(
        'FORBIDDEN',
        'This manifest is admin_only: only an admin may deploy it.',
      );
    }
    return this.deployManifest(
      actor,
      dto.server_id,
      `custom/${result.manifest.id}`,
      result.manifest,
      dto.config ?? {},
    );
  }

  /** run_preflight_checks: what install_app checks first, without installing. */
  async preflight(_actor: Actor, dto: PreflightDto): Promise<PreflightReport> {
    const app = await this.catalog.find(dto.app_id);
    const manifest = JSON.parse(app.manifest) as AppManifest;
    await this.connector.load(dto.server_id);
    const plan = this.plan(manifest, dto.config ?? {}, randomUUID());
    const session = await this.docker.open(dto.server_id);
    return this.checks(session, manifest, plan);
  }

  async status(dto: InstallationIdDto): Promise<InstallationView> {
    const row = await this.load(dto.installation_id);
    if (!['running', 'stopped', 'failed'].includes(row.status) || row.services === '[]') {
      return toInstallationView(row);
    }
    const session = await this.docker.open(row.serverId);
    const services = await this.engine.states(session, row.id, this.planOf(row));
    const states = services.map((service) => service.state);
    let status = row.status;
    let error = row.error;
    const missing = services.filter((service) => service.state === 'missing');
    if (row.status !== 'failed' && missing.length > 0) {
      status = 'failed';
      error = `Container(s) of ${missing.map((service) => service.name).join(', ')} no longer exist (removed outside Tomo).`;
    } else if (row.status === 'running' && states.every((state) => state === 'exited')) {
      status = 'stopped';
    } else if (row.status === 'stopped' && states.every((state) => state === 'running')) {
      status = 'running';
    }
    return toInstallationView(
      await this.save(row, {
        status,
        error,
        services: JSON.stringify(services),
        method: session.method,
      }),
    );
  }

  async list(dto: ListAppsDto): Promise<Page<InstallationView>> {
    const where: { serverId?: string; status?: InstallationStatus } = {};
    if (dto.server_id) where.serverId = dto.server_id;
    if (dto.status) where.status = dto.status as InstallationStatus;
    const [rows, total] = await this.apps.findAndCount({
      where,
      order: { createdAt: 'ASC', id: 'ASC' },
      take: dto.limit ?? 50,
      skip: dto.offset ?? 0,
    });
    return { items: rows.map(toInstallationView), total };
  }

  start(actor: Actor, dto: InstallationIdDto) {
    return this.lifecycleOp(actor, dto, 'start', 'running');
  }

  stop(actor: Actor, dto: InstallationIdDto) {
    return this.lifecycleOp(actor, dto, 'stop', 'stopped');
  }

  restart(actor: Actor, dto: InstallationIdDto) {
    return this.lifecycleOp(actor, dto, 'restart', 'running');
  }

  async uninstall(actor: Actor, dto: UninstallAppDto): Promise<InstallationView> {
    const row = await this.load(dto.installation_id);
    if (row.status === 'removed') return toInstallationView(row);
    this.assertIdle(row);
    await this.save(row, { status: 'uninstalling' });
    try {
      const session = await this.docker.open(row.serverId);
      await this.engine.remove(session, this.planOf(row), { volumes: dto.remove_volumes === true });
      const saved = await this.save(row, {
        status: 'removed',
        method: session.method,
        error: null,
        services: JSON.stringify(
          (JSON.parse(row.services) as ServiceState[]).map((service) => ({
            ...service,
            container_id: null,
            state: 'removed',
            health: null,
          })),
        ),
      });
      await this.audit.recordOutcome(actor, 'app.uninstalled', target(row), true, {
        server_id: row.serverId,
        remove_volumes: dto.remove_volumes === true,
      });
      return toInstallationView(saved);
    } catch (error) {
      await this.save(row, { status: 'failed', error: messageOf(error) });
      await this.audit.recordOutcome(actor, 'app.uninstalled', target(row), false, {
        error: messageOf(error).slice(0, 300),
      });
      throw error;
    }
  }

  async logs(dto: AppLogsDto): Promise<{ service: string; logs: string }> {
    const row = await this.load(dto.installation_id);
    const plan = this.planOf(row);
    const service = dto.service
      ? plan.services.find((candidate) => candidate.name === dto.service)
      : (plan.services.find((candidate) => candidate.main) ?? plan.services[0]);
    if (!service) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `service must be one of: ${plan.services.map((candidate) => candidate.name).join(', ')}`,
      );
    }
    const session = await this.docker.open(row.serverId);
    const output = await this.docker.must(
      session,
      dockerCli.logs(service.containerName, dto.tail ?? 200),
      `Reading the logs of ${service.name}`,
    );
    return { service: service.name, logs: output };
  }

  private async deployManifest(
    actor: Actor,
    serverId: string,
    appId: string,
    manifest: AppManifest,
    config: Record<string, unknown>,
  ): Promise<InstallationView> {
    await this.connector.load(serverId);
    const id = randomUUID();
    const plan = this.plan(manifest, config, id);
    const session = await this.docker.open(serverId);
    const report = await this.checks(session, manifest, plan);
    if (!report.success) {
      throw new DomainError('CONFLICT', `Preflight checks failed: ${report.errors.join(' ')}`, {
        errors: report.errors,
        preflight: report,
      });
    }
    const now = nowIso();
    let row: InstalledAppEntity = {
      id,
      serverId,
      appId,
      name: manifest.name,
      version: manifest.version,
      status: 'pending',
      method: session.method,
      manifest: JSON.stringify(manifest),
      config: JSON.stringify(withoutInputs(config)),
      inputs: this.inputs.seal(id, plan.inputs),
      services: '[]',
      steps: '[]',
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.transactions.run(async (manager) => {
      await manager.getRepository(InstalledAppEntity).insert(row);
      await this.audit.record(
        actor,
        {
          action: 'app.install_started',
          targetType: 'installation',
          targetId: id,
          details: {
            server_id: serverId,
            app_id: appId,
            version: manifest.version,
            method: session.method,
          },
        },
        manager,
      );
    });
    try {
      const outcome = await this.engine.deploy(
        session,
        plan,
        async (status, steps) => {
          row = await this.save(row, { status, steps: JSON.stringify(steps) });
        },
        actor.progress,
      );
      row = await this.save(row, {
        status: 'running',
        steps: JSON.stringify(outcome.steps),
        services: JSON.stringify(outcome.services),
      });
      await this.audit.recordOutcome(actor, 'app.installed', target(row), true, { app_id: appId });
      return toInstallationView(row);
    } catch (error) {
      const steps = (error as { steps?: StepRecord[] }).steps ?? [];
      const failed = steps.find((step) => step.status === 'failed');
      row = await this.save(row, {
        status: 'failed',
        steps: JSON.stringify(steps),
        error: `${failed ? `${failed.name}: ` : ''}${messageOf(error)}`.slice(0, 2048),
      });
      await this.audit.recordOutcome(actor, 'app.installed', target(row), false, {
        app_id: appId,
        failed_step: failed?.name ?? null,
      });
      return toInstallationView(row);
    }
  }

  private async lifecycleOp(
    actor: Actor,
    dto: InstallationIdDto,
    op: 'start' | 'stop' | 'restart',
    status: InstallationStatus,
  ): Promise<InstallationView> {
    const row = await this.load(dto.installation_id);
    this.assertIdle(row);
    if (!['running', 'stopped'].includes(row.status)) {
      throw new DomainError(
        'CONFLICT',
        `The app is ${row.status}; only running or stopped apps can ${op}.`,
      );
    }
    const plan = this.planOf(row);
    const session = await this.docker.open(row.serverId);
    const services = op === 'stop' ? [...plan.services].reverse() : plan.services;
    for (const service of services) {
      await this.docker.must(session, lifecycle[op](service), `${op} ${service.name}`);
    }
    const states = await this.engine.states(session, row.id, plan);
    const saved = await this.save(row, {
      status,
      method: session.method,
      services: JSON.stringify(states),
    });
    await this.audit.recordOutcome(
      actor,
      `app.${op === 'stop' ? 'stopped' : op === 'start' ? 'started' : 'restarted'}`,
      target(row),
      true,
      {},
    );
    return toInstallationView(saved);
  }

  /** A plan for a new installation; its problems become one VALIDATION_FAILED naming each. */
  private plan(manifest: AppManifest, config: Record<string, unknown>, id: string): DeploymentPlan {
    try {
      return resolvePlan(manifest, config, {
        installationId: id,
        dataRoot: this.config.appsDataRoot,
      });
    } catch (error) {
      if (error instanceof PlanError) {
        throw new DomainError('VALIDATION_FAILED', error.message, {
          errors: error.problems.map((problem) => `${problem.path}: ${problem.message}`),
        });
      }
      throw error;
    }
  }

  /** Architecture, disk, memory and host ports of the server against the plan. */
  private async checks(
    session: DockerSession & { version?: string },
    manifest: AppManifest,
    plan: DeploymentPlan,
  ): Promise<PreflightReport> {
    const resources = await this.docker.shell(
      session,
      preflightScript(this.config.appsDataRoot),
      'Reading the server resources',
    );
    const published = await this.docker.must(
      session,
      shellCommand(['docker', 'ps', '--format', '{{.Ports}}']),
      'Listing published ports',
    );
    return judge(manifest, plan, parseHostResources(resources), parsePublishedPorts(published), {
      ok: true,
      version: session.version ?? null,
      method: session.method,
    });
  }

  /** The plan of an existing installation: same names, same kept inputs. */
  private planOf(row: InstalledAppEntity): DeploymentPlan {
    const inputs = this.inputs.open(row);
    return resolvePlan(
      JSON.parse(row.manifest) as AppManifest,
      JSON.parse(row.config) as Record<string, unknown>,
      {
        installationId: row.id,
        dataRoot: this.config.appsDataRoot,
        previousInputs: inputs,
      },
    );
  }

  private async cleanUp(row: InstalledAppEntity): Promise<void> {
    const session: DockerSession = await this.docker.open(row.serverId);
    await this.engine.remove(session, this.planOf(row), { volumes: row.status !== 'uninstalling' });
    await this.audit.recordOutcome(SYSTEM_ACTOR, 'app.cleaned_up', target(row), true, {});
  }

  private assertIdle(row: InstalledAppEntity): void {
    if (IN_FLIGHT.includes(row.status)) {
      throw new DomainError('CONFLICT', `The app is ${row.status}; wait until that finishes.`);
    }
  }

  private async load(id: string): Promise<InstalledAppEntity> {
    const row = await this.apps.findOneBy({ id });
    if (!row) throw notFound('Installation', id);
    return row;
  }

  private async save(
    row: InstalledAppEntity,
    changes: Partial<InstalledAppEntity>,
  ): Promise<InstalledAppEntity> {
    const next = { ...row, ...changes, updatedAt: nowIso() };
    await this.transactions.run((manager) =>
      manager
        .getRepository(InstalledAppEntity)
        .update({ id: row.id }, { ...changes, updatedAt: next.updatedAt }),
    );
    return next;
  }
}

function target(row: InstalledAppEntity) {
  return { type: 'installation', id: row.id };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The config as stored: input values live sealed in `inputs`, never in plain JSON. */
function withoutInputs(config: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...config };
  delete copy.inputs;
  return copy;
}
