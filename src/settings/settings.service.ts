import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  SETTING_DEFINITIONS,
  SettingKey,
  SettingValue,
  UserSettingKey,
} from './setting-definitions';

/**
 * The one place modules read settings from. Reads are synchronous (served from memory) and
 * always current: a change made through update_setting is visible to the next call.
 * SCAFFOLD: returns defaults until the settings module stores values.
 */
@Injectable()
export class SettingsService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The current system value of a setting (for a user-scoped key: its system default). */
  get<K extends SettingKey>(key: K): SettingValue<K> {
    return this.defaultOf(key);
  }

  /** The value a user sees: their override of a user-scoped key, else the system value. */
  getForUser<K extends UserSettingKey>(_userId: string, key: K): SettingValue<K> {
    return this.get(key);
  }

  private defaultOf<K extends SettingKey>(key: K): SettingValue<K> {
    const fallback = SETTING_DEFINITIONS[key].default as unknown;
    const value =
      typeof fallback === 'function'
        ? (fallback as (c: AppConfig) => unknown)(this.config)
        : fallback;
    return value as SettingValue<K>;
  }
}
