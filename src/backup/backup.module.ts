import { Global, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LAST_BACKUP_SOURCE } from '../monitoring/last-backup-source';
import { CredentialRotation } from '../servers/credentials/credential-rotation';
import { ServersModule } from '../servers/servers.module';
import { SettingsService } from '../settings/settings.service';
import { BackupController } from './backup.controller';
import { BackupFiles } from './backup-files';
import { BackupRetention } from './backup-retention';
import { BackupSchedule } from './backup-schedule';
import { BackupService } from './backup.service';
import { BackupTools } from './backup.tools';
import { BackupWriter } from './backup-writer';
import { BackupEntity } from './backup.entity';
import { DatabaseRestorer } from './database-restorer';

/**
 * Backups of the database: create, list, download, upload, restore, schedule. Global only to
 * give monitoring's get_status the last backup (LAST_BACKUP_SOURCE) without an import cycle.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([BackupEntity]), ServersModule],
  controllers: [BackupController],
  providers: [
    BackupFiles,
    BackupWriter,
    DatabaseRestorer,
    BackupService,
    BackupTools,
    BackupSchedule,
    BackupRetention,
    { provide: LAST_BACKUP_SOURCE, useExisting: BackupService },
  ],
  exports: [LAST_BACKUP_SOURCE],
})
export class BackupModule implements OnModuleInit {
  constructor(
    private readonly rotation: CredentialRotation,
    private readonly settings: SettingsService,
  ) {}

  /** Secret settings are re-sealed with server credentials (key rotation, restore). */
  onModuleInit(): void {
    this.rotation.register(this.settings);
  }
}
