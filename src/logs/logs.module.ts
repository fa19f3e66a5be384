import { Module } from '@nestjs/common';

/** Persisted application log events and the activity feed. */
@Module({})
export class LogsModule {}
