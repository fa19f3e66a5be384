import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { sqliteDataSourceOptions } from './data-source-options';

/** The data source TypeORM's CLI uses (`npm run migration:generate`). */
export default new DataSource(sqliteDataSourceOptions(loadConfig().databasePath));
