import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { sqliteDataSourceOptions } from './data-source-options';
import { PreparedStatements } from './prepared-statements';
import { TransactionRunner } from './transaction-runner';

describe('PreparedStatements', () => {
  let directory: string;
  let dataSource: DataSource;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-prepared-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
  });

  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads what TypeORM wrote, on every call (the statement is kept, not the result)', async () => {
    const statements = new PreparedStatements(dataSource);
    const transactions = new TransactionRunner(dataSource);
    const read = () => statements.get<{ body: string }>('SELECT body FROM notes WHERE id = ?', 'a');
    expect(read()).toBeUndefined();
    await transactions.run((manager) => manager.query("INSERT INTO notes VALUES ('a', 'one')"));
    expect(read()).toEqual({ body: 'one' });
    await transactions.run((manager) => manager.query("UPDATE notes SET body = 'two'"));
    expect(read()).toEqual({ body: 'two' });
  });

  it('prepares again on the new connection after the data source is re-initialised', async () => {
    const statements = new PreparedStatements(dataSource);
    await dataSource.query("INSERT INTO notes VALUES ('a', 'kept')");
    const sql = 'SELECT body FROM notes WHERE id = ?';
    expect(statements.get(sql, 'a')).toEqual({ body: 'kept' });
    await dataSource.destroy();
    await dataSource.initialize();
    expect(statements.get(sql, 'a')).toEqual({ body: 'kept' });
  });
});
