import { Logger } from '@nestjs/common';
import type { SystemSettingEntity } from './entities/system-setting.entity';
import type { UserSettingEntity } from './entities/user-setting.entity';
import { isSettingKey, SETTING_DEFINITIONS, SettingDefinition } from './setting-definitions';
import { decodeSettingValue } from './setting-values';
import type { StoredSetting } from './settings.views';

/** A stored row, system or user, in one shape. */
export type SettingRow = SystemSettingEntity | UserSettingEntity;

/** A cached row: the raw text (an envelope for secrets) and the typed value. */
export interface CachedSetting extends StoredSetting {
  raw: string;
}

/** Whose value: a system setting (userId null) or one user's override. */
export interface Slot {
  key: string;
  userId: string | null;
}

/**
 * Every stored settings row in memory, so reads are synchronous. Each write is applied with the
 * settings-audit seq that made it: a write that arrives late never replaces a newer one.
 */
export class SettingsCache {
  private readonly logger = new Logger('SettingsService');
  private system = new Map<string, CachedSetting>();
  private users = new Map<string, Map<string, CachedSetting>>();
  private applied = new Map<string, number>();

  /** Replaces everything with the rows of the database (startup, backup restore). */
  replace(systemRows: SystemSettingEntity[], userRows: UserSettingEntity[]): void {
    const system = new Map<string, CachedSetting>();
    const users = new Map<string, Map<string, CachedSetting>>();
    for (const row of systemRows) {
      if (isSettingKey(row.key)) system.set(row.key, this.toCached(row.key, row));
      else this.logger.warn(`ignoring stored setting ${row.key}: no such setting`);
    }
    for (const row of userRows) {
      if (!isSettingKey(row.key)) continue;
      let own = users.get(row.userId);
      if (!own) users.set(row.userId, (own = new Map<string, CachedSetting>()));
      own.set(row.key, this.toCached(row.key, row));
    }
    this.system = system;
    this.users = users;
    this.applied = new Map();
  }

  get(slot: Slot): CachedSetting | null {
    const map = slot.userId === null ? this.system : this.users.get(slot.userId);
    return map?.get(slot.key) ?? null;
  }

  /** A committed write (`row`) or reset (null), made by settings-audit row `seq`. */
  apply(slot: Slot, seq: number, row: SettingRow | null): void {
    const id = `${slot.userId ?? ''}\u0000${slot.key}`;
    if ((this.applied.get(id) ?? 0) >= seq) return;
    this.applied.set(id, seq);
    let map = this.system;
    if (slot.userId !== null) {
      map = this.users.get(slot.userId) ?? new Map<string, CachedSetting>();
      this.users.set(slot.userId, map);
    }
    if (row) map.set(slot.key, this.toCached(slot.key, row));
    else map.delete(slot.key);
  }

  dropUser(userId: string): void {
    this.users.delete(userId);
  }

  private toCached(key: string, row: SettingRow): CachedSetting {
    const definition = (SETTING_DEFINITIONS as Record<string, SettingDefinition>)[key];
    const secret = definition?.type === 'secret';
    const value = !definition || secret ? null : decodeSettingValue(key, definition, row.value);
    if (!secret && value === null) {
      this.logger.warn(`stored value of ${key} breaks its rules; the default applies`);
    }
    return {
      raw: row.value,
      value,
      version: row.version,
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    };
  }
}
