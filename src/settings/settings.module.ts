import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingsAuditEntity } from './entities/settings-audit.entity';
import { SystemSettingEntity } from './entities/system-setting.entity';
import { UserSettingEntity } from './entities/user-setting.entity';
import { SettingsAuditTrail } from './settings-audit-trail';
import { SettingsController } from './settings.controller';
import { SettingsService } from './settings.service';
import { SettingsTools } from './settings.tools';

/** System and user settings: the registry, typed values, the audit trail. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([SystemSettingEntity, UserSettingEntity, SettingsAuditEntity]),
  ],
  controllers: [SettingsController],
  providers: [SettingsService, SettingsAuditTrail, SettingsTools],
  exports: [SettingsService],
})
export class SettingsModule {}
