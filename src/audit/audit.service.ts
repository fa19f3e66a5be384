import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Brackets, EntityManager, Repository } from 'typeorm';
import type { Actor } from '../common/auth/principal';
import type { Page } from '../common/dto/pagination.dto';
import { redactSecrets } from '../common/security/redact';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PreparedStatements } from '../database/prepared-statements';
import { TransactionRunner } from '../database/transaction-runner';
import { ANCHOR_ID, AuditAnchorEntity } from './audit-anchor.entity';
import { auditHash, ChainVerification, ChainVerifier, GENESIS_HASH } from './audit-chain';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditEntryView, AuditRecord } from './audit-record';
import { QueryAuditLogDto } from './dto/query-audit-log.dto';

const VERIFY_BATCH = 1000;

export type AuditVerification = ChainVerification;

/** The tamper-evident audit log. Appends are chained with an HMAC keyed outside the database. */
const LAST_ENTRY_SQL = 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1';
const INSERT_ENTRY_SQL =
  'INSERT INTO audit_log (id, seq, timestamp, actor_type, actor_id, actor_name, interface, action, target_type, target_id, result, ip_address, user_agent, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEntryEntity) private readonly entries: Repository<AuditEntryEntity>,
    private readonly transactions: TransactionRunner,
    private readonly statements: PreparedStatements,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Appends one entry. Pass the manager of the transaction that made the change so that the
   * change and its audit row commit together; without one the entry gets its own transaction.
   */
  async record(actor: Actor, record: AuditRecord, manager?: EntityManager): Promise<void> {
    if (manager) return this.append(manager, actor, record);
    return this.transactions.run((own) => this.append(own, actor, record));
  }

  /** An operation's outcome on one target, in its own transaction (the operation wrote nothing else). */
  recordOutcome(
    actor: Actor,
    action: string,
    target: { type: string; id: string },
    success: boolean,
    details: Record<string, unknown>,
  ): Promise<void> {
    return this.record(actor, {
      action,
      targetType: target.type,
      targetId: target.id,
      result: success ? 'success' : 'failure',
      details,
    });
  }

  private async append(manager: EntityManager, actor: Actor, record: AuditRecord): Promise<void> {
    // On SQLite, two kept statements on the transaction's own connection: every write of Tomo
    // appends here, and TypeORM's query building cost more than the hashing.
    const fast = this.statements.available;
    const newest = fast
      ? this.statements.get<{ seq: number; hash: string }>(LAST_ENTRY_SQL)
      : (
          await manager.getRepository(AuditEntryEntity).find({
            order: { seq: 'DESC' },
            take: 1,
            select: { seq: true, hash: true },
          })
        )[0];
    // Retention purged every row: the chain goes on from the anchor, not from the genesis.
    const last =
      newest ?? (await manager.getRepository(AuditAnchorEntity).findOneBy({ id: ANCHOR_ID }));
    const principal = actor.principal;
    const row: Omit<AuditEntryEntity, 'hash'> = {
      id: randomUUID(),
      seq: (last?.seq ?? 0) + 1,
      timestamp: nowIso(),
      actorType: principal ? principal.kind : actor.interface === 'system' ? 'system' : 'user',
      actorId: principal
        ? principal.kind === 'api_token'
          ? (principal.tokenId ?? null)
          : principal.userId
        : null,
      actorName:
        principal?.username ?? record.actorName ?? (actor.interface === 'system' ? 'system' : null),
      interface: actor.interface,
      action: record.action,
      targetType: record.targetType ?? null,
      targetId: record.targetId ?? null,
      result: record.result ?? 'success',
      ipAddress: actor.ip,
      userAgent: actor.userAgent,
      details: record.details ? JSON.stringify(redactSecrets(record.details)) : null,
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const entry: AuditEntryEntity = { ...row, hash: auditHash(this.config.auditKey, row) };
    if (!fast) {
      await manager.getRepository(AuditEntryEntity).insert(entry);
      return;
    }
    this.statements.run(
      INSERT_ENTRY_SQL,
      entry.id,
      entry.seq,
      entry.timestamp,
      entry.actorType,
      entry.actorId,
      entry.actorName,
      entry.interface,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.result,
      entry.ipAddress,
      entry.userAgent,
      entry.details,
      entry.prevHash,
      entry.hash,
    );
  }

  async query(filter: QueryAuditLogDto): Promise<Page<AuditEntryView>> {
    const query = this.entries.createQueryBuilder('entry');
    if (filter.actor) {
      query.andWhere(
        new Brackets((where) =>
          where
            .where('entry.actorId = :actor', { actor: filter.actor })
            .orWhere('entry.actorName = :actor', { actor: filter.actor }),
        ),
      );
    }
    if (filter.action) query.andWhere('entry.action = :action', { action: filter.action });
    if (filter.target_type)
      query.andWhere('entry.targetType = :targetType', { targetType: filter.target_type });
    if (filter.target_id)
      query.andWhere('entry.targetId = :targetId', { targetId: filter.target_id });
    if (filter.result) query.andWhere('entry.result = :result', { result: filter.result });
    if (filter.since)
      query.andWhere('entry.timestamp >= :since', { since: new Date(filter.since).toISOString() });
    if (filter.until)
      query.andWhere('entry.timestamp <= :until', { until: new Date(filter.until).toISOString() });
    const counted = await query.clone().select('COUNT(*)', 'total').getRawOne<{ total: number }>();
    // Newest first: by time, then by position for rows of the same millisecond (appends take
    // their time in seq order, so this is seq order; the indexes serve it without sorting).
    const rows = await query
      .orderBy('entry.timestamp', 'DESC')
      .addOrderBy('entry.seq', 'DESC')
      .limit(filter.limit ?? 50)
      .offset(filter.offset ?? 0)
      .getMany();
    return { items: rows.map(toAuditEntryView), total: Number(counted?.total ?? 0) };
  }

  /**
   * Walks the chain in order from its start (the genesis, or the signed anchor left by the last
   * retention purge); names the first row that was edited, deleted, inserted or moved, or the
   * first row after an anchor that was edited or deleted.
   */
  async verify(): Promise<AuditVerification> {
    const anchor = await this.entries.manager
      .getRepository(AuditAnchorEntity)
      .findOneBy({ id: ANCHOR_ID });
    const verifier = new ChainVerifier(this.config.auditKey, anchor);
    let after = -1;
    for (;;) {
      const batch = await this.entries
        .createQueryBuilder('entry')
        .where('entry.seq > :after', { after })
        .orderBy('entry.seq', 'ASC')
        .take(VERIFY_BATCH)
        .getMany();
      if (!verifier.check(batch) || batch.length < VERIFY_BATCH) return verifier.result();
      after = batch.at(-1)!.seq;
    }
  }
}

export function toAuditEntryView(row: AuditEntryEntity): AuditEntryView {
  let details: Record<string, unknown> | null = null;
  if (row.details) {
    try {
      details = JSON.parse(row.details) as Record<string, unknown>;
    } catch {
      details = { unparsable: true };
    }
  }
  return {
    id: row.id,
    timestamp: row.timestamp,
    actor_type: row.actorType,
    actor_id: row.actorId,
    actor_name: row.actorName,
    interface: row.interface,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    result: row.result,
    ip_address: row.ipAddress,
    user_agent: row.userAgent,
    details,
  };
}
