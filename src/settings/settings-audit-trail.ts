import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { SettingsAuditQueryDto } from './dto/setting.dto';
import { SettingsAuditEntity } from './entities/settings-audit.entity';
import {
  SETTINGS_GENESIS,
  settingsChainKey,
  settingsChecksum,
  SettingsChainVerification,
  verifySettingsChain,
} from './settings-chain';
import { toSettingsAuditView } from './settings.views';

const VERIFY_BATCH = 1000;

/** One change of a setting as the trail records it. Values are JSON text; null is the default. */
export interface SettingChange {
  action: 'update' | 'reset';
  scope: 'system' | 'user';
  key: string;
  userId: string | null;
  oldValue: string | null;
  newValue: string | null;
  /** The version after the change (0 after a reset). */
  version: number;
}

/**
 * settings_audit: one row per change, each checksum chained over the row before it with a key
 * derived from the audit key (outside the database). Each change is also an audit_log entry.
 */
@Injectable()
export class SettingsAuditTrail {
  private derived: { auditKey: Buffer; chainKey: Buffer } | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(SettingsAuditEntity)
    private readonly rows: Repository<SettingsAuditEntity>,
    private readonly audit: AuditService,
  ) {}

  /** Derived from the audit key of the moment (a restore may adopt a backup's key). */
  private get chainKey(): Buffer {
    if (this.derived?.auditKey !== this.config.auditKey) {
      this.derived = {
        auditKey: this.config.auditKey,
        chainKey: settingsChainKey(this.config.auditKey),
      };
    }
    return this.derived.chainKey;
  }

  /** Appends the chained row and the audit_log entry in the change's transaction; returns the seq. */
  async append(manager: EntityManager, actor: Actor, change: SettingChange): Promise<number> {
    const repository = manager.getRepository(SettingsAuditEntity);
    const [last] = await repository.find({
      order: { seq: 'DESC' },
      take: 1,
      select: { seq: true, checksum: true },
    });
    const fields: Omit<SettingsAuditEntity, 'checksum'> = {
      id: randomUUID(),
      seq: (last?.seq ?? 0) + 1,
      settingScope: change.scope,
      settingKey: change.key,
      userId: change.userId,
      oldValue: change.oldValue,
      newValue: change.newValue,
      changedBy: actor.principal?.username ?? 'system',
      timestamp: nowIso(),
    };
    const checksum = settingsChecksum(this.chainKey, fields, last?.checksum ?? SETTINGS_GENESIS);
    await repository.insert({ ...fields, checksum });
    await this.audit.record(
      actor,
      {
        action: `setting.${change.action}`,
        targetType: 'setting',
        targetId: change.key,
        details: {
          scope: change.scope,
          setting: change.key,
          user_id: change.userId,
          old_value: parseJson(change.oldValue),
          new_value: parseJson(change.newValue),
          version: change.version,
        },
      },
      manager,
    );
    return fields.seq;
  }

  /** Newest first, with the verdict on the whole chain. */
  async page(dto: SettingsAuditQueryDto) {
    const [rows, total] = await this.rows.findAndCount({
      where: dto.key ? { settingKey: dto.key } : {},
      order: { seq: 'DESC' },
      take: dto.limit ?? 50,
      skip: dto.offset ?? 0,
    });
    const chain = await this.verify();
    return {
      items: rows.map(toSettingsAuditView),
      total,
      chain_valid: chain.valid,
      first_invalid_id: chain.first_invalid_id,
    };
  }

  /** Walks the whole trail in order; names the first row edited, inserted, moved or after a deletion. */
  async verify(): Promise<SettingsChainVerification> {
    const rows: SettingsAuditEntity[] = [];
    for (;;) {
      const batch = await this.rows.find({
        order: { seq: 'ASC' },
        skip: rows.length,
        take: VERIFY_BATCH,
      });
      rows.push(...batch);
      if (batch.length < VERIFY_BATCH) break;
    }
    return verifySettingsChain(this.chainKey, rows);
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
