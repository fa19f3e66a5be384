import { SettingsAuditEntity } from './entities/settings-audit.entity';
import { SystemSettingEntity } from './entities/system-setting.entity';
import { UserSettingEntity } from './entities/user-setting.entity';

/** The entities of the settings module (registered in src/database/entities.ts). */
export const SETTINGS_ENTITIES: (new () => object)[] = [
  SystemSettingEntity,
  UserSettingEntity,
  SettingsAuditEntity,
];
