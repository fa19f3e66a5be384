import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { sqliteDataSourceOptions } from '../database/data-source-options';
import { TransactionRunner } from '../database/transaction-runner';
import { LogEntryEntity } from './log-entry.entity';
import { LogWriter } from './log-writer';

const line = (msg: string, level = 30, fields: object = {}) =>
  `${JSON.stringify({ level, time: Date.now(), pid: 1, hostname: 'h', context: 'Spec', ...fields, msg })}\n`;

describe('LogWriter (real SQLite, migrations applied)', () => {
  let directory: string;
  let dataSource: DataSource;
  let writer: LogWriter;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-logwriter-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    writer = new LogWriter(new TransactionRunner(dataSource));
  });

  afterEach(async () => {
    await writer.onModuleDestroy();
    if (dataSource.isInitialized) await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  const stored = () => dataSource.getRepository(LogEntryEntity).find({ order: { id: 'ASC' } });

  it('writes what was offered in one flush, skipping access lines and lines below info', async () => {
    writer.offer(line('one'));
    writer.offer(line('debug', 20));
    writer.offer(line('request completed', 30, { res: { statusCode: 200 }, responseTime: 1 }));
    writer.offer(line('two', 50));
    expect(await stored()).toEqual([]);
    await writer.flush();
    expect((await stored()).map((row) => [row.level, row.message])).toEqual([
      ['info', 'one'],
      ['error', 'two'],
    ]);
  });

  it('finds stored messages through the trigram index (logs_fts) and forgets deleted ones', async () => {
    writer.offer(line('Connection to web-07 refused'));
    writer.offer(line('all quiet'));
    await writer.flush();
    const match = (text: string) =>
      dataSource.query<{ n: number }[]>(
        'SELECT COUNT(*) AS n FROM logs_fts WHERE logs_fts MATCH ?',
        [`"${text}"`],
      );
    expect(await match('WEB-07 ref')).toEqual([{ n: 1 }]);
    await dataSource.query("DELETE FROM logs WHERE message LIKE 'Connection%'");
    expect(await match('web-07')).toEqual([{ n: 0 }]);
  });

  it('drops lines beyond its buffer and says how many in a warning row', async () => {
    for (let i = 0; i < 10_005; i++) writer.offer(line(`event ${i}`));
    await writer.flush();
    const rows = await stored();
    expect(rows).toHaveLength(10_001);
    expect(rows.at(-1)).toMatchObject({
      level: 'warn',
      source: 'logs',
      message: '5 log events were dropped: more came in a second than the log table takes',
    });
  });

  it('reports a failed write on stderr only, and keeps going', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await dataSource.query('DROP TABLE logs');
      writer.offer(line('lost'));
      await expect(writer.flush()).resolves.toBeUndefined();
      expect(stderr).toHaveBeenCalledWith(
        expect.stringMatching(/^tomo: 1 log events could not be stored: /),
      );
    } finally {
      stderr.mockRestore();
    }
  });
});
