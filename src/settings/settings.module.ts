import { Global, Module } from '@nestjs/common';
import { SettingsService } from './settings.service';

/** System and user settings: the registry, typed values, the audit trail. */
@Global()
@Module({
  providers: [SettingsService],
  exports: [SettingsService],
})
export class SettingsModule {}
