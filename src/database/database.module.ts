import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { sqliteDataSourceOptions } from './data-source-options';
import { PreparedStatements } from './prepared-statements';
import { TransactionRunner } from './transaction-runner';

/** The database connection, migrated at startup, the transaction runner and prepared reads. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...sqliteDataSourceOptions(config.databasePath),
        migrationsRun: true,
        migrationsTransactionMode: 'each' as const,
        retryAttempts: 0,
      }),
    }),
  ],
  providers: [TransactionRunner, PreparedStatements],
  exports: [TransactionRunner, PreparedStatements],
})
export class DatabaseModule {}
