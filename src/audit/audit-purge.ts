import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { RetentionTargets } from '../retention/retention-target';
import { SettingsService } from '../settings/settings.service';
import { ANCHOR_ID, AuditAnchorEntity } from './audit-anchor.entity';
import { anchorSignature } from './audit-chain';
import { AuditEntryEntity } from './audit-entry.entity';

const DAY_MS = 86_400_000;

/**
 * The `audit` data type of retention. Only the oldest rows go, as a prefix of the chain in seq
 * order: a row is purged when it and every row before it are older than the cutoff, so the chain
 * never gets a hole. Each batch moves the signed anchor (seq and hash of the last purged row) in
 * the transaction that deletes the rows, and verification starts from it. Rows younger than
 * `retention.audit_min_days` are never purged, whatever cutoff the caller gives.
 */
@Injectable()
export class AuditPurge implements OnModuleInit {
  constructor(
    private readonly targets: RetentionTargets,
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly settings: SettingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.targets.register({
      dataType: 'audit',
      count: (cutoff) => this.count(cutoff),
      deleteBatch: (cutoff, limit) => this.deleteBatch(cutoff, limit),
    });
  }

  /** The rows a purge with this cutoff deletes. */
  async count(cutoff: string): Promise<number> {
    const manager = this.dataSource.manager;
    const boundary = await this.firstKeptSeq(manager, this.floored(cutoff));
    const query = manager.getRepository(AuditEntryEntity).createQueryBuilder('entry');
    if (boundary !== null) query.where('entry.seq < :boundary', { boundary });
    return query.getCount();
  }

  /** Deletes up to `limit` of the oldest purgeable rows and moves the anchor, in one transaction. */
  deleteBatch(cutoff: string, limit: number): Promise<number> {
    const floored = this.floored(cutoff);
    return this.transactions.run(async (manager) => {
      const entries = manager.getRepository(AuditEntryEntity);
      const oldest = await entries.find({
        select: { seq: true, hash: true, timestamp: true },
        order: { seq: 'ASC' },
        take: limit,
      });
      const stop = oldest.findIndex((row) => row.timestamp >= floored);
      const purged = stop === -1 ? oldest : oldest.slice(0, stop);
      const last = purged.at(-1);
      if (!last) return 0;
      const deleted = await entries
        .createQueryBuilder()
        .delete()
        .where('seq <= :seq', { seq: last.seq })
        .execute();
      const count = deleted.affected ?? purged.length;
      await this.moveAnchor(manager, last, count);
      return count;
    });
  }

  /** The cutoff, or now − retention.audit_min_days when that is earlier (read at each call). */
  private floored(cutoff: string): string {
    const floorDays = this.settings.get('retention.audit_min_days');
    const floor = new Date(Date.now() - floorDays * DAY_MS).toISOString();
    return cutoff < floor ? cutoff : floor;
  }

  /**
   * The seq of the first row, in seq order, that is not older than the cutoff: it and every row
   * after it stay. Null when every row is older. The seq index is walked from the start (the
   * timestamp index is kept out with COALESCE): the walk is as long as what is purged.
   */
  private async firstKeptSeq(manager: EntityManager, cutoff: string): Promise<number | null> {
    const row = await manager
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('entry')
      .select('entry.seq', 'seq')
      .where("COALESCE(entry.timestamp, '') >= :cutoff", { cutoff })
      .orderBy('entry.seq', 'ASC')
      .limit(1)
      .getRawOne<{ seq: number }>();
    return row ? Number(row.seq) : null;
  }

  private async moveAnchor(
    manager: EntityManager,
    last: Pick<AuditEntryEntity, 'seq' | 'hash'>,
    purged: number,
  ): Promise<void> {
    const anchors = manager.getRepository(AuditAnchorEntity);
    const previous = await anchors.findOneBy({ id: ANCHOR_ID });
    const fields = {
      seq: last.seq,
      hash: last.hash,
      purgedCount: (previous?.purgedCount ?? 0) + purged,
      purgedAt: nowIso(),
    };
    await anchors.save({
      id: ANCHOR_ID,
      ...fields,
      signature: anchorSignature(this.config.auditKey, fields),
    });
  }
}
