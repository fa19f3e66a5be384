import { Module } from '@nestjs/common';

/** Backups of the database: create, list, download, upload, restore, schedule. */
@Module({})
export class BackupModule {}
