import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { sqliteDataSourceOptions } from './data-source-options';

/** `npm run migration:run`: applies pending migrations to the configured database. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = new DataSource(sqliteDataSourceOptions(config.databasePath));
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  console.log(
    applied.length
      ? `Applied: ${applied.map((m) => m.name).join(', ')}`
      : 'Database is up to date.',
  );
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
