import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, ProgressReporter, SYSTEM_ACTOR } from '../common/auth/principal';
import { EventBus } from '../common/events/event-bus';
import { roleAtLeast } from '../common/auth/roles';
import type { Page } from '../common/dto/pagination.dto';
import { DomainError, notFound } from '../common/errors/domain-error';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { SettingsService } from '../settings/settings.service';
import { CatalogSearchService } from '../marketplace/catalog-search.service';
import { describeProblems, validateManifest } from '../marketplace/manifest/manifest-validator';
import type { AppManifest } from '../marketplace/manifest/manifest.types';
import { ServerConnector } from '../servers/server-connector';
import { InstallationView, toInstallationView } from './apps.views';
import { DeploymentEngine, ServiceState } from './deployment-engine';
import type { DockerDriver } from './drivers/docker-driver';
import type {
  AppLogsDto,
  PreflightDto,
  DeployAppDto,
  UpdateAppDto,
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
import { atGeneration } from './plan/plan-generation';
import { judge, PreflightReport } from './preflight';
import { ServerDocker } from './server-docker';
import { StepFailure, StepLog } from './step-log';

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
    private readonly events: EventBus,
    private readonly settings: SettingsService,
  ) {}

  /** An install interrupted by a restart is marked failed; its containers are cleaned up. */
  async onApplicationBootstrap(): Promise<void> {
    const interrupted = await this.apps.find({ where: IN_FLIGHT.map((status) => ({ status })) });
    for (const row of interrupted) {
      if (row.updateTarget !== null) {
        // Stays in flight (nothing else may act on it) until the rollback has run.
        void this.recoverUpdate(row).catch(async (error: unknown) => {
          this.logger.warn(`rollback of interrupted update ${row.id} failed: ${String(error)}`);
          await this.save(row, {
            status: 'failed',
            updateTarget: null,
            error:
              `The update was interrupted by a restart of Tomo, and starting the previous version again failed: ${messageOf(error)}`.slice(
                0,
                2048,
              ),
          });
        });
        continue;
      }
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
    const driver = await this.docker.open(dto.server_id);
    return this.checks(driver, manifest, plan);
  }

  async status(dto: InstallationIdDto): Promise<InstallationView> {
    const row = await this.load(dto.installation_id);
    if (!['running', 'stopped', 'failed'].includes(row.status) || row.services === '[]') {
      return toInstallationView(row);
    }
    const driver = await this.docker.open(row.serverId);
    const services = await this.engine.states(driver, row.id, this.planOf(row));
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
    // Only if nothing else changed the record meanwhile (a start-up recovery, a lifecycle call).
    const saved = await this.saveIfUnchanged(row, {
      status,
      error,
      services: JSON.stringify(services),
      method: driver.method,
    });
    return toInstallationView(saved ?? (await this.load(row.id)));
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

  /**
   * update_app: a new version or config. The new containers (the next generation) start beside
   * the stopped current ones; when they are healthy the old ones are removed, otherwise the new
   * ones are removed and the old ones started again — the app keeps its previous version.
   */
  async update(actor: Actor, dto: UpdateAppDto): Promise<InstallationView> {
    let row = await this.load(dto.installation_id);
    this.assertIdle(row);
    if (!['running', 'stopped'].includes(row.status)) {
      throw new DomainError(
        'CONFLICT',
        `The app is ${row.status}; only running or stopped apps can be updated (uninstall_app and install again).`,
      );
    }
    const manifest = await this.updateManifest(row, dto);
    if (manifest.admin_only && !roleAtLeast(actor.principal?.role ?? 'readonly', 'admin')) {
      throw new DomainError('FORBIDDEN', `${manifest.name} may only be installed by an admin.`);
    }
    const config = mergeConfig(JSON.parse(row.config) as Record<string, unknown>, dto.config);
    const current = this.planOf(row);
    const next = atGeneration(
      this.plan(manifest, config, row.id, this.inputs.open(row), this.dataRootOf(row)),
      row.generation + 1,
    );
    const from = { status: row.status, version: row.version };
    // The claim: one conditional write, so a concurrent update, stop or uninstall loses cleanly.
    const updateTarget: UpdateTarget = {
      version: manifest.version,
      generation: row.generation + 1,
      from_status: from.status as 'running' | 'stopped',
    };
    const claimed = await this.saveIfUnchanged(row, {
      status: 'pending',
      error: null,
      updateTarget: JSON.stringify(updateTarget),
    });
    if (!claimed) throw busy();
    row = claimed;
    let driver: DockerDriver;
    try {
      driver = await this.docker.open(row.serverId);
      const report = await this.checks(driver, manifest, next, current);
      if (!report.success) {
        throw new DomainError('CONFLICT', `Preflight checks failed: ${report.errors.join(' ')}`, {
          errors: report.errors,
          preflight: report,
        });
      }
    } catch (error) {
      await this.save(row, { status: from.status, updateTarget: null });
      throw error;
    }
    row = await this.save(row, { method: driver.method });
    let log: StepLog;
    try {
      ({ log } = await this.engine.update(driver, current, next, {
        restart: from.status === 'running',
        report: async (status, steps) => {
          row = await this.save(row, { status, steps: JSON.stringify(steps) });
        },
        progress: this.progressOf(actor, row),
      }));
    } catch (error) {
      const failure = error instanceof StepFailure ? error : new StepFailure(error, [], true);
      const rollback = failure.steps.find((step) => step.name.startsWith('Roll back'));
      const services = await this.engine.states(driver, row.id, current).catch(() => null);
      row = await this.save(row, {
        status: rollback?.status === 'failed' ? 'failed' : from.status,
        updateTarget: null,
        steps: JSON.stringify(failure.steps),
        error: `Update to ${manifest.version} failed at ${describeFailure(failure)}; ${
          rollback?.status === 'failed'
            ? 'the rollback failed too, see steps'
            : `version ${from.version} is back as it was`
        }.`.slice(0, 2048),
        ...(services ? { services: JSON.stringify(services) } : {}),
      });
      await this.audit.recordOutcome(actor, 'app.updated', target(row), false, {
        from_version: from.version,
        to_version: manifest.version,
        failed_step: failure.failedStep,
      });
      return toInstallationView(row);
    }
    // The commit point: the new generation is healthy and becomes the installation.
    row = await this.save(row, {
      name: manifest.name,
      version: manifest.version,
      manifest: JSON.stringify(manifest),
      config: JSON.stringify(withoutInputs(config)),
      inputs: this.inputs.seal(row.id, next.inputs),
      generation: row.generation + 1,
      updateTarget: null,
      steps: JSON.stringify(log.steps),
    });
    await this.engine.retire(driver, current, log);
    row = await this.save(row, {
      status: 'running',
      steps: JSON.stringify(log.steps),
      services: JSON.stringify(await this.engine.statesOrRunning(driver, next)),
    });
    await this.audit.recordOutcome(actor, 'app.updated', target(row), true, {
      from_version: from.version,
      to_version: manifest.version,
    });
    return toInstallationView(row);
  }

  async uninstall(actor: Actor, dto: UninstallAppDto): Promise<InstallationView> {
    const row = await this.load(dto.installation_id);
    if (row.status === 'removed') return toInstallationView(row);
    this.assertIdle(row);
    if (!(await this.saveIfUnchanged(row, { status: 'uninstalling' }))) throw busy();
    const origin: StatusOrigin = { actor, operation: 'uninstall' };
    try {
      const driver = await this.docker.open(row.serverId);
      await this.engine.remove(driver, this.planOf(row), { volumes: dto.remove_volumes === true });
      const saved = await this.save(
        row,
        {
          status: 'removed',
          method: driver.method,
          error: null,
          services: JSON.stringify(
            (JSON.parse(row.services) as ServiceState[]).map((service) => ({
              ...service,
              container_id: null,
              state: 'removed',
              health: null,
            })),
          ),
        },
        origin,
      );
      await this.audit.recordOutcome(actor, 'app.uninstalled', target(row), true, {
        server_id: row.serverId,
        remove_volumes: dto.remove_volumes === true,
      });
      return toInstallationView(saved);
    } catch (error) {
      await this.save(row, { status: 'failed', error: messageOf(error) }, origin);
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
    const driver = await this.docker.open(row.serverId);
    const output = await driver.logs(service.containerName, dto.tail ?? 200);
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
    const dataRoot = this.settings.get('apps.data_root');
    const plan = this.plan(manifest, config, id, undefined, dataRoot);
    const driver = await this.docker.open(serverId);
    const report = await this.checks(driver, manifest, plan);
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
      method: driver.method,
      manifest: JSON.stringify(manifest),
      config: JSON.stringify(withoutInputs(config)),
      inputs: this.inputs.seal(id, plan.inputs),
      services: '[]',
      steps: '[]',
      error: null,
      generation: 0,
      updateTarget: null,
      dataRoot,
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
            method: driver.method,
          },
        },
        manager,
      );
    });
    const origin: StatusOrigin = { actor, operation: 'install' };
    try {
      const outcome = await this.engine.deploy(
        driver,
        plan,
        async (status, steps) => {
          row = await this.save(row, { status, steps: JSON.stringify(steps) }, origin);
        },
        this.progressOf(actor, row),
      );
      row = await this.save(
        row,
        {
          status: 'running',
          steps: JSON.stringify(outcome.steps),
          services: JSON.stringify(outcome.services),
        },
        origin,
      );
      await this.audit.recordOutcome(actor, 'app.installed', target(row), true, { app_id: appId });
      return toInstallationView(row);
    } catch (error) {
      const failure = error instanceof StepFailure ? error : new StepFailure(error, []);
      row = await this.save(
        row,
        {
          status: 'failed',
          steps: JSON.stringify(failure.steps),
          error: describeFailure(failure),
        },
        origin,
      );
      await this.audit.recordOutcome(actor, 'app.installed', target(row), false, {
        app_id: appId,
        failed_step: failure.failedStep,
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
    // Bumps the record's version: an update or uninstall that read it before us now loses.
    if (!(await this.saveIfUnchanged(row, {}))) throw busy();
    const plan = this.planOf(row);
    const driver = await this.docker.open(row.serverId);
    const services = op === 'stop' ? [...plan.services].reverse() : plan.services;
    for (const service of services) await driver[op](service.containerName, 10);
    const states = await this.engine.states(driver, row.id, plan);
    const saved = await this.save(row, {
      status,
      method: driver.method,
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
  private plan(
    manifest: AppManifest,
    config: Record<string, unknown>,
    id: string,
    previousInputs?: Record<string, string>,
    dataRoot: string = this.settings.get('apps.data_root'),
  ): DeploymentPlan {
    try {
      return resolvePlan(manifest, config, {
        installationId: id,
        dataRoot,
        ...(previousInputs ? { previousInputs } : {}),
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
    driver: DockerDriver,
    manifest: AppManifest,
    plan: DeploymentPlan,
    replacing?: DeploymentPlan,
  ): Promise<PreflightReport> {
    const offer = await driver.offer(this.settings.get('apps.data_root'), publishedPorts(plan));
    // An update may keep the ports the app itself holds now.
    for (const port of replacing ? publishedPorts(replacing) : []) {
      offer.host.bound[port.protocol].delete(port.host);
      offer.published.delete(`${port.host}/${port.protocol}`);
    }
    return judge(manifest, plan, offer.host, offer.published, {
      ok: true,
      version: driver.version || null,
      method: driver.method,
    });
  }

  /**
   * The manifest an update moves to: the catalog's when a version is asked for or nothing else
   * changes (the "update" button), else the installed one (a config change keeps the version).
   */
  private async updateManifest(row: InstalledAppEntity, dto: UpdateAppDto): Promise<AppManifest> {
    const installed = JSON.parse(row.manifest) as AppManifest;
    if (dto.version === installed.version) return installed;
    if (row.appId.startsWith('custom/')) {
      if (dto.version === undefined) return installed;
      throw new DomainError(
        'VALIDATION_FAILED',
        `version: ${row.name} was deployed from a manifest (deploy_app), so it has no catalog versions; deploy the new manifest with deploy_app.`,
      );
    }
    if (dto.version === undefined && dto.config !== undefined) return installed;
    const app = await this.catalog.find(row.appId);
    const manifest = JSON.parse(app.manifest) as AppManifest;
    if (dto.version !== undefined && dto.version !== manifest.version) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `version: the catalog has ${row.name} ${manifest.version}, not ${dto.version} (sync_repository fetches newer versions).`,
      );
    }
    return manifest;
  }

  /**
   * Where an installation keeps its data: the data root it was made with, so that changing
   * apps.data_root moves only new installations (rows from before it was recorded follow it).
   */
  private dataRootOf(row: InstalledAppEntity): string {
    return row.dataRoot ?? this.settings.get('apps.data_root');
  }

  /** The plan of an existing installation: same names (of its generation), same kept inputs. */
  private planOf(row: InstalledAppEntity): DeploymentPlan {
    const inputs = this.inputs.open(row);
    const plan = resolvePlan(
      JSON.parse(row.manifest) as AppManifest,
      JSON.parse(row.config) as Record<string, unknown>,
      {
        installationId: row.id,
        dataRoot: this.dataRootOf(row),
        previousInputs: inputs,
      },
    );
    return atGeneration(plan, row.generation);
  }

  private async cleanUp(row: InstalledAppEntity): Promise<void> {
    const driver = await this.docker.open(row.serverId);
    await this.engine.remove(driver, this.planOf(row), { volumes: row.status !== 'uninstalling' });
    await this.audit.recordOutcome(SYSTEM_ACTOR, 'app.cleaned_up', target(row), true, {});
  }

  /** An update interrupted by a restart: the new containers go, the previous ones start again. */
  private async recoverUpdate(row: InstalledAppEntity): Promise<void> {
    const pending = JSON.parse(row.updateTarget ?? '{}') as Partial<UpdateTarget>;
    const driver = await this.docker.open(row.serverId);
    const current = this.planOf(row);
    const others = (await driver.list(row.id))
      .map((container) => container.name)
      .filter((name) => !current.services.some((service) => service.containerName === name));
    const wasRunning = pending.from_status !== 'stopped';
    await this.engine.rollBack(driver, current, others, wasRunning);
    await this.save(row, {
      status: wasRunning ? 'running' : 'stopped',
      updateTarget: null,
      error: `The update to ${pending.version ?? 'a new version'} was interrupted by a restart of Tomo; version ${row.version} is back as it was.`,
      services: JSON.stringify(await this.engine.states(driver, row.id, current)),
    });
    await this.audit.recordOutcome(SYSTEM_ACTOR, 'app.update_rolled_back', target(row), true, {});
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

  /** save() guarded by the row's status and version time: null when another writer came first. */
  private async saveIfUnchanged(
    row: InstalledAppEntity,
    changes: Partial<InstalledAppEntity>,
  ): Promise<InstalledAppEntity | null> {
    const next = { ...row, ...changes, updatedAt: nowIso() };
    const result = await this.transactions.run((manager) =>
      manager
        .getRepository(InstalledAppEntity)
        .update(
          { id: row.id, status: row.status, updatedAt: row.updatedAt },
          { ...changes, updatedAt: next.updatedAt },
        ),
    );
    if (result.affected !== 1) return null;
    this.announce(row, next);
    return next;
  }

  private async save(
    row: InstalledAppEntity,
    changes: Partial<InstalledAppEntity>,
    origin?: StatusOrigin,
  ): Promise<InstalledAppEntity> {
    const next = { ...row, ...changes, updatedAt: nowIso() };
    await this.transactions.run((manager) =>
      manager
        .getRepository(InstalledAppEntity)
        .update({ id: row.id }, { ...changes, updatedAt: next.updatedAt }),
    );
    this.announce(row, next, origin);
    return next;
  }

  /** installation.status for live events and notifications, after the change is committed. */
  private announce(
    before: InstalledAppEntity,
    after: InstalledAppEntity,
    origin?: StatusOrigin,
  ): void {
    if (before.status === after.status && before.error === after.error) return;
    this.events.emit('installation.status', {
      installationId: after.id,
      serverId: after.serverId,
      appId: after.appId,
      name: after.name,
      status: after.status,
      error: after.error,
      userId: origin?.actor.principal?.userId ?? null,
      operation: origin?.operation ?? null,
    });
  }

  /** Step progress: as MCP progress to the caller (when asked for) and as a live event. */
  private progressOf(actor: Actor, row: InstalledAppEntity): ProgressReporter {
    return async (progress, total, message) => {
      this.events.emit('installation.progress', {
        installationId: row.id,
        serverId: row.serverId,
        progress,
        total,
        message,
      });
      await actor.progress?.(progress, total, message);
    };
  }
}

/** Who started the operation a status change belongs to (notifications name them). */
interface StatusOrigin {
  actor: Actor;
  operation: 'install' | 'uninstall';
}

/** What `update_target` holds while an update runs. */
interface UpdateTarget {
  version: string;
  generation: number;
  from_status: 'running' | 'stopped';
}

function busy(): DomainError {
  return new DomainError(
    'CONFLICT',
    'Another operation on this app started meanwhile; try again when it has finished.',
  );
}

function target(row: InstalledAppEntity) {
  return { type: 'installation', id: row.id };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The host ports a plan publishes. */
function publishedPorts(plan: DeploymentPlan) {
  return plan.services.flatMap((service) =>
    service.ports.flatMap((port) =>
      port.host === null ? [] : [{ host: port.host, protocol: port.protocol }],
    ),
  );
}

/** update_app's config: the current one with the given keys replaced, section by section. */
function mergeConfig(
  current: Record<string, unknown>,
  changes: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [section, value] of Object.entries(changes ?? {})) {
    const before = merged[section];
    merged[section] = isObject(before) && isObject(value) ? { ...before, ...value } : value;
  }
  return merged;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "<step>: <reason>" — what a person reads in `error`. */
function describeFailure(failure: StepFailure): string {
  const step = failure.failedStep;
  return `${step ? `${step}: ` : ''}${failure.message}`.slice(0, 2048);
}

/** The config as stored: input values live sealed in `inputs`, never in plain JSON. */
function withoutInputs(config: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...config };
  delete copy.inputs;
  return copy;
}
