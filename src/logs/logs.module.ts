import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityEntryEntity } from './activity-entry.entity';
import { ActivityService } from './activity.service';
import { LogEntryEntity } from './log-entry.entity';
import { LogWriter } from './log-writer';
import { LogsController } from './logs.controller';
import { LogsRetention } from './logs-retention';
import { LogsService } from './logs.service';
import { LogsTools } from './logs.tools';

/** Persisted application log events (query_logs) and the activity feed. */
@Module({
  imports: [TypeOrmModule.forFeature([LogEntryEntity, ActivityEntryEntity])],
  controllers: [LogsController],
  providers: [LogWriter, LogsService, LogsTools, ActivityService, LogsRetention],
  exports: [ActivityService, LogsService],
})
export class LogsModule {}
