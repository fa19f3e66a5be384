import type { DataSourceOptions } from 'typeorm';
import { applySqlitePragmas } from './sqlite-pragmas';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM options for the embedded SQLite database (better-sqlite3: TypeORM 1.x dropped the
 * `sqlite3` driver). `prepareDatabase` runs on the connection as soon as it is opened.
 */
export function sqliteDataSourceOptions(databasePath: string): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: databasePath,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    prepareDatabase: (db: { pragma(source: string): unknown }) => applySqlitePragmas(db),
  };
}
