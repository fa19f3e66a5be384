import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Actor } from '../common/auth/principal';
import { SecretBox } from '../common/crypto/secret-box';
import type { Page } from '../common/dto/pagination.dto';
import { DomainError } from '../common/errors/domain-error';
import type { DomainEvents } from '../common/events/domain-events';
import { EventBus } from '../common/events/event-bus';
import { nowIso } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import type {
  GetSettingDto,
  ListSettingsDto,
  ResetSettingDto,
  Scope,
  SettingsAuditQueryDto,
  UpdateSettingDto,
} from './dto/setting.dto';
import { SystemSettingEntity } from './entities/system-setting.entity';
import { UserSettingEntity } from './entities/user-setting.entity';
import {
  isSettingKey,
  SETTING_DEFINITIONS,
  SettingDefinition,
  SettingKey,
  SettingValue,
  UserSettingKey,
} from './setting-definitions';
import { checkSettingValue, encodeSettingValue, SettingPrimitive } from './setting-values';
import { suggestions } from './setting-suggestions';
import type { SettingsChainVerification } from './settings-chain';
import { SettingChange, SettingsAuditTrail } from './settings-audit-trail';
import { SettingView, toSettingView } from './settings.views';
import { SettingRow, SettingsCache } from './settings-cache';

/** What the audit trail records instead of a secret. */
const SECRET_MARK = '[secret]';

interface Target {
  key: SettingKey;
  definition: SettingDefinition;
  scope: Scope;
  /** The user whose override it is (scope user); null for a system setting. */
  userId: string | null;
}

interface WriteOutcome {
  /** Settings-audit seq of the write; null when nothing changed. */
  seq: number | null;
  row: SettingRow | null;
}

const aadOf = (target: Pick<Target, 'key' | 'userId'>): string =>
  target.userId === null
    ? `system_settings:${target.key}`
    : `user_settings:${target.userId}:${target.key}`;

/**
 * The one place modules read settings from, and the only writer of system_settings,
 * user_settings and settings_audit. Every stored row is cached in memory (loaded at start,
 * updated after each committed write, reloaded after a backup restore), so `get` and
 * `getForUser` are synchronous and always current: a change is visible to the next call.
 */
@Injectable()
export class SettingsService implements OnModuleInit {
  private readonly cache = new SettingsCache();
  private readonly logger = new Logger(SettingsService.name);
  private loaded = false;
  private warnedEarly = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(SystemSettingEntity)
    private readonly systemRows: Repository<SystemSettingEntity>,
    @InjectRepository(UserSettingEntity)
    private readonly userRows: Repository<UserSettingEntity>,
    private readonly transactions: TransactionRunner,
    private readonly trail: SettingsAuditTrail,
    private readonly events: EventBus,
    private readonly box: SecretBox,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /** The database changed under us (a backup was restored): read every row again. */
  @OnEvent('backup.restored')
  async onBackupRestored(): Promise<void> {
    await this.reload();
  }

  /** The user's overrides went with the user row (ON DELETE CASCADE). */
  @OnEvent('user.deleted')
  onUserDeleted(event: DomainEvents['user.deleted']): void {
    this.cache.dropUser(event.userId);
  }

  // ---- reads for other modules -------------------------------------------------------------

  /** The current system value of a setting (for a user-scoped key: its system default). */
  get<K extends SettingKey>(key: K): SettingValue<K> {
    if (!this.loaded) this.warnEarlyRead(key);
    const definition: SettingDefinition = SETTING_DEFINITIONS[key];
    if (definition.scope === 'system') {
      const value = this.effective({ key, definition, scope: 'system', userId: null });
      if (value !== null) return value as SettingValue<K>;
    }
    return this.defaultOf(key) as SettingValue<K>;
  }

  /** The value a user sees: their override of a user-scoped key, else the system value. */
  getForUser<K extends UserSettingKey>(userId: string, key: K): SettingValue<K> {
    const definition: SettingDefinition = SETTING_DEFINITIONS[key];
    const value = this.effective({ key, definition, scope: 'user', userId });
    return value === null ? this.get(key) : (value as SettingValue<K>);
  }

  // ---- operations ----------------------------------------------------------------------------

  getSetting(actor: Actor, dto: GetSettingDto): SettingView {
    return this.view(actor, this.target(actor, dto.key, dto.scope ?? 'system'));
  }

  listSettings(actor: Actor, dto: ListSettingsDto): Page<SettingView> {
    const scope = dto.scope ?? 'system';
    if (dto.category !== undefined && !CATEGORIES.has(dto.category)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `category "${dto.category}" is not known; the categories are: ${[...CATEGORIES].join(', ')}.`,
      );
    }
    const items = (Object.keys(SETTING_DEFINITIONS) as SettingKey[])
      .filter((key) => SETTING_DEFINITIONS[key].scope === scope)
      .filter(
        (key) => dto.category === undefined || SETTING_DEFINITIONS[key].category === dto.category,
      )
      .sort()
      .map((key) => this.view(actor, this.target(actor, key, scope)));
    return { items, total: items.length };
  }

  async updateSetting(actor: Actor, dto: UpdateSettingDto): Promise<SettingView> {
    const target = this.target(actor, dto.key, dto.scope ?? 'system');
    this.assertMayChange(actor, target);
    const value = checkSettingValue(target.key, target.definition, dto.value);
    const outcome = await this.transactions.run(async (manager) => {
      const current = await this.readRow(manager, target);
      const version = current?.version ?? 0;
      if (dto.expected_version !== undefined && dto.expected_version !== version) {
        throw staleVersion(target, current, dto.expected_version);
      }
      if (current && this.sameValue(target, current.value, value)) {
        return { seq: null, row: current } satisfies WriteOutcome;
      }
      const row = await this.writeRow(manager, target, value, version + 1, actorName(actor));
      const seq = await this.trail.append(
        manager,
        actor,
        this.change('update', target, current, row),
      );
      return { seq, row } satisfies WriteOutcome;
    });
    this.afterWrite(target, outcome, value);
    return this.view(actor, target);
  }

  async resetSetting(actor: Actor, dto: ResetSettingDto): Promise<SettingView> {
    const target = this.target(actor, dto.key, dto.scope ?? 'system');
    this.assertMayChange(actor, target);
    const outcome = await this.transactions.run(async (manager) => {
      const current = await this.readRow(manager, target);
      if (!current) return { seq: null, row: null } satisfies WriteOutcome;
      if (target.userId === null) {
        await manager.getRepository(SystemSettingEntity).delete({ key: target.key });
      } else {
        await manager
          .getRepository(UserSettingEntity)
          .delete({ userId: target.userId, key: target.key });
      }
      const seq = await this.trail.append(
        manager,
        actor,
        this.change('reset', target, current, null),
      );
      return { seq, row: null } satisfies WriteOutcome;
    });
    this.afterWrite(target, outcome, this.defaultOf(target.key));
    return this.view(actor, target);
  }

  /** The settings audit trail, newest first, with the verdict on its checksum chain. */
  auditTrail(dto: SettingsAuditQueryDto) {
    return this.trail.page(dto);
  }

  /** Walks the whole trail in order; names the first row edited, inserted, moved or after a deletion. */
  verifyChain(): Promise<SettingsChainVerification> {
    return this.trail.verify();
  }

  /**
   * Key rotation (ResealParticipant of servers/credentials): re-seals every stored secret setting
   * inside the rotation's transaction. The cache keeps the envelopes this process can open.
   */
  async reseal(
    manager: EntityManager,
    current: SecretBox,
    next: SecretBox,
  ): Promise<{ resealed: number; fromKeyIds: string[] }> {
    const secretKeys = (Object.keys(SETTING_DEFINITIONS) as SettingKey[]).filter(
      (key) => SETTING_DEFINITIONS[key].type === 'secret',
    );
    const fromKeyIds = new Set<string>();
    let resealed = 0;
    const reseal = (envelope: string, aad: string) => {
      fromKeyIds.add(envelope.split(':')[1] ?? '?');
      resealed++;
      return next.seal(current.open(envelope, aad), aad);
    };
    for (const key of secretKeys) {
      const systemRepository = manager.getRepository(SystemSettingEntity);
      for (const row of await systemRepository.findBy({ key })) {
        const value = reseal(row.value, aadOf({ key, userId: null }));
        await systemRepository.update({ key }, { value });
      }
      const userRepository = manager.getRepository(UserSettingEntity);
      for (const row of await userRepository.findBy({ key })) {
        const value = reseal(row.value, aadOf({ key, userId: row.userId }));
        await userRepository.update({ userId: row.userId, key }, { value });
      }
    }
    return { resealed, fromKeyIds: [...fromKeyIds] };
  }

  // ---- internals -----------------------------------------------------------------------------

  private async reload(): Promise<void> {
    const [systemRows, userRows] = await Promise.all([
      this.systemRows.find(),
      this.userRows.find(),
    ]);
    this.cache.replace(systemRows, userRows);
    this.loaded = true;
  }

  /** Stored values load in onModuleInit: a read before that sees defaults only. */
  private warnEarlyRead(key: string): void {
    if (this.warnedEarly) return;
    this.warnedEarly = true;
    this.logger.warn(
      `setting ${key} was read before the settings were loaded; read settings when they are used (from onApplicationBootstrap on), not at construction`,
    );
  }

  /** The stored value (a secret opened), or null when none is stored or it is unusable. */
  private effective(target: Target): SettingPrimitive | null {
    const entry = this.cache.get(target);
    if (!entry) return null;
    if (target.definition.type !== 'secret') return entry.value;
    try {
      return this.box.open(entry.raw, aadOf(target));
    } catch (error) {
      throw new Error(
        `the stored secret ${target.key} cannot be opened (${error instanceof Error ? error.message : String(error)}); set it again`,
        { cause: error },
      );
    }
  }

  private defaultOf(key: SettingKey): SettingPrimitive {
    const fallback = SETTING_DEFINITIONS[key].default as unknown;
    return (
      typeof fallback === 'function'
        ? (fallback as (c: AppConfig) => unknown)(this.config)
        : fallback
    ) as SettingPrimitive;
  }

  /** The key, its definition and whose value: refuses unknown keys and the wrong scope. */
  private target(actor: Actor, key: string, scope: Scope): Target {
    if (!isSettingKey(key)) {
      const near = suggestions(key);
      throw new DomainError(
        'NOT_FOUND',
        `Setting ${key} was not found.${near.length ? ` Did you mean ${near.join(' or ')}?` : ''} list_settings names every setting.`,
      );
    }
    const definition: SettingDefinition = SETTING_DEFINITIONS[key];
    if (definition.scope !== scope) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `${key} is a ${definition.scope} setting; use scope "${definition.scope}".`,
      );
    }
    if (scope === 'system') return { key, definition, scope, userId: null };
    const principal = actor.principal;
    if (!principal) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `${key} is a user setting; it needs a signed-in user.`,
      );
    }
    return { key, definition, scope, userId: principal.userId };
  }

  private assertMayChange(actor: Actor, target: Target): void {
    if (target.scope === 'system' && !isAdmin(actor)) {
      throw new DomainError(
        'FORBIDDEN',
        `Only an admin may change system settings such as ${target.key}; user settings (scope "user") are yours to change.`,
      );
    }
  }

  private view(actor: Actor, target: Target): SettingView {
    const canSee = !target.definition.adminOnly || isAdmin(actor);
    return toSettingView(
      target.key,
      target.definition,
      this.cache.get(target),
      this.defaultOf(target.key),
      canSee,
    );
  }

  private async readRow(manager: EntityManager, target: Target): Promise<SettingRow | null> {
    return target.userId === null
      ? manager.getRepository(SystemSettingEntity).findOneBy({ key: target.key })
      : manager
          .getRepository(UserSettingEntity)
          .findOneBy({ userId: target.userId, key: target.key });
  }

  private sameValue(target: Target, stored: string, value: SettingPrimitive): boolean {
    if (target.definition.type !== 'secret') return stored === encodeSettingValue(value);
    try {
      return this.box.open(stored, aadOf(target)) === value;
    } catch {
      return false;
    }
  }

  private async writeRow(
    manager: EntityManager,
    target: Target,
    value: SettingPrimitive,
    version: number,
    updatedBy: string,
  ): Promise<SettingRow> {
    const stored =
      target.definition.type === 'secret'
        ? this.box.seal(String(value), aadOf(target))
        : encodeSettingValue(value);
    const fields = { key: target.key, value: stored, version, updatedAt: nowIso(), updatedBy };
    if (target.userId === null) {
      await manager.getRepository(SystemSettingEntity).save(fields);
      return fields;
    }
    const row = { ...fields, userId: target.userId };
    await manager.getRepository(UserSettingEntity).save(row);
    return row;
  }

  /** The trail's record of a change: JSON values, a secret as "[secret]". */
  private change(
    action: 'update' | 'reset',
    target: Target,
    before: SettingRow | null,
    after: SettingRow | null,
  ): SettingChange {
    const shown = (row: SettingRow | null): string | null =>
      row === null
        ? null
        : target.definition.type === 'secret'
          ? JSON.stringify(SECRET_MARK)
          : row.value;
    return {
      action,
      scope: target.scope,
      key: target.key,
      userId: target.userId,
      oldValue: shown(before),
      newValue: shown(after),
      version: after?.version ?? 0,
    };
  }

  /** After commit: the cache takes the change (unless a later one is already in), then the event. */
  private afterWrite(target: Target, outcome: WriteOutcome, value: SettingPrimitive): void {
    if (outcome.seq === null) return;
    this.cache.apply(target, outcome.seq, outcome.row);
    this.events.emit('setting.changed', {
      scope: target.scope,
      key: target.key,
      userId: target.userId,
      value: target.definition.type === 'secret' ? null : value,
    });
  }
}

const CATEGORIES = new Set(
  Object.values(SETTING_DEFINITIONS)
    .map((definition) => definition.category as string)
    .sort(),
);

function isAdmin(actor: Actor): boolean {
  return actor.principal ? actor.principal.role === 'admin' : actor.interface === 'system';
}

function actorName(actor: Actor): string {
  return actor.principal?.username ?? 'system';
}

function staleVersion(target: Target, current: SettingRow | null, expected: number): DomainError {
  const now = current
    ? `was changed by ${current.updatedBy} at ${current.updatedAt}; it is now version ${current.version}`
    : 'is at its default; it is now version 0';
  return new DomainError(
    'CONFLICT',
    `${target.key} ${now}, not version ${expected}. Read it again (get_setting) and retry with the version you see.`,
    { current_version: current?.version ?? 0 },
  );
}
