import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { sqliteDataSourceOptions } from './data-source-options';

describe('migrations', () => {
  let directory: string;
  let dataSource: DataSource;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-migrations-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('leave nothing for the entities to change (no drift)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('revert cleanly', async () => {
    for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();
    const tables = await dataSource.query<{ name: string }[]>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'migrations'",
    );
    expect(tables).toEqual([]);
  });

  it('sets the pragmas of DESIGN.md on the connection', async () => {
    const pragma = async (name: string) =>
      Object.values(
        (await dataSource.query<Record<string, unknown>[]>(`PRAGMA ${name}`))[0] ?? {},
      )[0];
    expect(String(await pragma('journal_mode')).toLowerCase()).toBe('wal');
    expect(Number(await pragma('busy_timeout'))).toBeGreaterThanOrEqual(5000);
    expect(Number(await pragma('foreign_keys'))).toBe(1);
    expect(Number(await pragma('synchronous'))).toBe(1); // NORMAL
  });

  it('rejects an orphan row (foreign keys enforced)', async () => {
    const now = new Date().toISOString();
    await expect(
      dataSource.query(
        'INSERT INTO sessions (id, user_id, created_at, last_activity_at, expires_at) VALUES (?, ?, ?, ?, ?)',
        ['s1', 'no-such-user', now, now, now],
      ),
    ).rejects.toThrow(/FOREIGN KEY/);
  });
});
