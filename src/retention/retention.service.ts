import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import type { Page } from '../common/dto/pagination.dto';
import { DomainError, notFound } from '../common/errors/domain-error';
import { nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { SettingsService } from '../settings/settings.service';
import { CreatePolicyDto, RetentionScopeDto, UpdatePolicyDto, PolicyIdDto } from './dto/policy.dto';
import { RetentionPolicyEntity } from './retention-policy.entity';
import { RetentionDataType, RetentionTargets } from './retention-target';
import { PolicyView, RetentionItem, RetentionReport, toPolicyView } from './retention.views';

const DAY_MS = 86_400_000;
/** Rows per delete transaction: short enough that other writers wait a few milliseconds at most. */
export const RETENTION_BATCH = 500;

export type RetentionTrigger = 'manual' | 'schedule';

/** What one policy resolves to at a given moment. */
interface Plan {
  policy: RetentionPolicyEntity;
  cutoff: string;
}

/**
 * Retention policies (one per data type) and the purge they drive. The data itself belongs to
 * other modules, which register a RetentionTarget; a preview counts with the same condition a
 * run deletes with. A run deletes in short batches, yielding between them, one run at a time.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);
  /** The run in progress, if any (manual or scheduled). */
  private running: { trigger: RetentionTrigger; startedAt: string } | null = null;

  constructor(
    @InjectRepository(RetentionPolicyEntity)
    private readonly policies: Repository<RetentionPolicyEntity>,
    private readonly targets: RetentionTargets,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly settings: SettingsService,
  ) {}

  // ---- policies --------------------------------------------------------------------------

  async list(): Promise<Page<PolicyView>> {
    const rows = await this.policies.find({ order: { dataType: 'ASC' } });
    return { items: rows.map(toPolicyView), total: rows.length };
  }

  async create(actor: Actor, dto: CreatePolicyDto): Promise<PolicyView> {
    this.assertAuditFloor(dto.data_type, dto.retention_days);
    const now = nowIso();
    const row = await this.transactions.run(async (manager) => {
      const policies = manager.getRepository(RetentionPolicyEntity);
      const existing = await policies.findOneBy({ dataType: dto.data_type });
      if (existing) {
        throw new DomainError(
          'CONFLICT',
          `A retention policy for ${dto.data_type} already exists (${existing.id}); change it with update_policy.`,
          { policy_id: existing.id },
        );
      }
      const created: RetentionPolicyEntity = {
        id: randomUUID(),
        dataType: dto.data_type,
        retentionDays: dto.retention_days,
        enabled: dto.enabled ?? true,
        createdAt: now,
        updatedAt: now,
        lastRunAt: null,
        lastRunRows: null,
      };
      await policies.insert(created);
      await this.audit.record(
        actor,
        {
          action: 'retention.policy_created',
          targetType: 'retention_policy',
          targetId: created.id,
          details: {
            data_type: created.dataType,
            retention_days: created.retentionDays,
            enabled: created.enabled,
          },
        },
        manager,
      );
      return created;
    });
    return toPolicyView(row);
  }

  async update(actor: Actor, dto: UpdatePolicyDto): Promise<PolicyView> {
    const row = await this.transactions.run(async (manager) => {
      const policies = manager.getRepository(RetentionPolicyEntity);
      const current = await policies.findOneBy({ id: dto.policy_id });
      if (!current) throw notFound('Retention policy', dto.policy_id);
      if (dto.retention_days !== undefined) {
        this.assertAuditFloor(current.dataType, dto.retention_days);
      }
      const before = { retention_days: current.retentionDays, enabled: current.enabled };
      if (dto.retention_days !== undefined) current.retentionDays = dto.retention_days;
      if (dto.enabled !== undefined) current.enabled = dto.enabled;
      current.updatedAt = nowIso();
      await policies.save(current);
      await this.audit.record(
        actor,
        {
          action: 'retention.policy_updated',
          targetType: 'retention_policy',
          targetId: current.id,
          details: {
            data_type: current.dataType,
            before,
            after: { retention_days: current.retentionDays, enabled: current.enabled },
          },
        },
        manager,
      );
      return current;
    });
    return toPolicyView(row);
  }

  async remove(actor: Actor, dto: PolicyIdDto): Promise<{ success: boolean }> {
    await this.transactions.run(async (manager) => {
      const policies = manager.getRepository(RetentionPolicyEntity);
      const current = await policies.findOneBy({ id: dto.policy_id });
      if (!current) throw notFound('Retention policy', dto.policy_id);
      await policies.delete({ id: current.id });
      await this.audit.record(
        actor,
        {
          action: 'retention.policy_deleted',
          targetType: 'retention_policy',
          targetId: current.id,
          details: { data_type: current.dataType, retention_days: current.retentionDays },
        },
        manager,
      );
    });
    return { success: true };
  }

  // ---- preview and run -------------------------------------------------------------------

  /** What a run would delete now: per enabled policy, its cutoff and the row count. */
  async preview(dto: RetentionScopeDto): Promise<RetentionReport> {
    const plans = await this.plan(dto.data_type);
    const items: RetentionItem[] = [];
    for (const { policy, cutoff } of plans) {
      const target = this.targets.get(policy.dataType);
      items.push({
        data_type: policy.dataType,
        cutoff,
        rows: target ? await target.count(cutoff) : 0,
      });
    }
    return report(items);
  }

  /** Deletes what each enabled policy (or the one named) lets go. One run at a time. */
  async run(
    actor: Actor,
    dto: RetentionScopeDto,
    trigger: RetentionTrigger = 'manual',
  ): Promise<RetentionReport> {
    if (this.running) {
      throw new DomainError(
        'CONFLICT',
        `A retention run (${this.running.trigger}) has been running since ${this.running.startedAt}; try again when it ends.`,
      );
    }
    this.running = { trigger, startedAt: nowIso() };
    try {
      return await this.runPlans(actor, await this.plan(dto.data_type), trigger);
    } finally {
      this.running = null;
    }
  }

  /** When the last run (of any kind) ended, from the policies; null before the first. */
  async lastRunAt(): Promise<string | null> {
    const rows = await this.policies.find({ select: { lastRunAt: true } });
    return rows.reduce<string | null>(
      (latest, row) =>
        row.lastRunAt && (!latest || row.lastRunAt > latest) ? row.lastRunAt : latest,
      null,
    );
  }

  private async runPlans(
    actor: Actor,
    plans: Plan[],
    trigger: RetentionTrigger,
  ): Promise<RetentionReport> {
    const items: RetentionItem[] = [];
    let failure: { data_type: string; error: string } | null = null;
    for (const { policy, cutoff } of plans) {
      const item: RetentionItem = { data_type: policy.dataType, cutoff, rows: 0 };
      items.push(item);
      const target = this.targets.get(policy.dataType);
      if (!target) continue;
      try {
        for (;;) {
          const deleted = await target.deleteBatch(cutoff, RETENTION_BATCH);
          if (deleted === 0) break;
          item.rows += deleted;
          // Between batches other requests and writers get their turn.
          await yieldToEventLoop();
        }
      } catch (error) {
        failure = {
          data_type: policy.dataType,
          error: error instanceof Error ? error.message : String(error),
        };
        this.logger.error(failure, 'retention run failed');
        break;
      }
    }
    const result = report(items);
    await this.recordRun(actor, plans, result, trigger, failure);
    if (failure) {
      throw new DomainError(
        'INTERNAL',
        `The retention run stopped at ${failure.data_type} after deleting ${result.total_rows} rows; see the application log.`,
      );
    }
    return result;
  }

  /** last_run_* of each policy that ran and the audit row of the run, in one transaction. */
  private async recordRun(
    actor: Actor,
    plans: Plan[],
    result: RetentionReport,
    trigger: RetentionTrigger,
    failure: { data_type: string; error: string } | null,
  ): Promise<void> {
    const now = nowIso();
    await this.transactions.run(async (manager) => {
      const policies = manager.getRepository(RetentionPolicyEntity);
      for (const item of result.items) {
        const plan = plans.find((candidate) => candidate.policy.dataType === item.data_type);
        if (!plan) continue;
        await policies.update({ id: plan.policy.id }, { lastRunAt: now, lastRunRows: item.rows });
      }
      await this.audit.record(
        actor,
        {
          action: 'retention.run',
          targetType: 'retention',
          targetId: null,
          result: failure ? 'failure' : 'success',
          details: {
            trigger,
            items: result.items,
            total_rows: result.total_rows,
            ...(failure ? { failed_data_type: failure.data_type, error: failure.error } : {}),
          },
        },
        manager,
      );
    });
    this.logger.log(
      { trigger, total_rows: result.total_rows, items: result.items },
      `retention run deleted ${result.total_rows} rows`,
    );
  }

  /**
   * The enabled policies (or the one for `dataType`) with their cutoffs as of now. Audit's
   * cutoff is never later than now − retention.audit_min_days.
   */
  private async plan(dataType?: RetentionDataType): Promise<Plan[]> {
    const now = Date.now();
    if (dataType) {
      const policy = await this.policies.findOneBy({ dataType });
      if (!policy) {
        throw new DomainError(
          'NOT_FOUND',
          `There is no retention policy for ${dataType}; create one with create_policy.`,
        );
      }
      if (!policy.enabled) {
        throw new DomainError(
          'CONFLICT',
          `The retention policy for ${dataType} is disabled; enable it with update_policy first.`,
        );
      }
      return [{ policy, cutoff: this.cutoff(policy, now) }];
    }
    const policies = await this.policies.find({
      where: { enabled: true },
      order: { dataType: 'ASC' },
    });
    return policies.map((policy) => ({ policy, cutoff: this.cutoff(policy, now) }));
  }

  private cutoff(policy: RetentionPolicyEntity, now: number): string {
    const days =
      policy.dataType === 'audit'
        ? Math.max(policy.retentionDays, this.settings.get('retention.audit_min_days'))
        : policy.retentionDays;
    return new Date(now - days * DAY_MS).toISOString();
  }

  private assertAuditFloor(dataType: RetentionDataType, days: number): void {
    if (dataType !== 'audit') return;
    const floor = this.settings.get('retention.audit_min_days');
    if (days < floor) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `Audit rows are kept at least ${floor} days (setting retention.audit_min_days); retention_days must be ${floor} or more.`,
        { minimum: floor },
      );
    }
  }
}

function report(items: RetentionItem[]): RetentionReport {
  return { items, total_rows: items.reduce((sum, item) => sum + item.rows, 0) };
}
