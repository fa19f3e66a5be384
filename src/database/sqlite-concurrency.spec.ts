import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySqlitePragmas, SQLITE_PRAGMAS } from './sqlite-pragmas';

/**
 * Runs in a separate process: opens the database with the same pragmas, takes the write lock
 * with BEGIN IMMEDIATE, writes a row, says "locked", keeps the lock for `holdMs`, then commits.
 */
const LOCK_HOLDER = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
for (const [name, value] of Object.entries(JSON.parse(process.argv[3]))) db.pragma(name + ' = ' + value);
db.exec('BEGIN IMMEDIATE');
db.prepare('INSERT INTO events (writer) VALUES (?)').run('holder');
process.stdout.write('locked\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[4]));
db.exec('COMMIT');
db.close();
process.stdout.write('committed\\n');
`;

describe('SQLite with the pragmas of DESIGN.md, two connections (checklist 43)', () => {
  let directory: string;
  let path: string;
  let connections: Database.Database[];

  function open(): Database.Database {
    const connection = new Database(path);
    connections.push(connection);
    return connection;
  }

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-sqlite-'));
    path = join(directory, 'tomo.db');
    connections = [];
    const setup = open();
    applySqlitePragmas(setup);
    setup.exec('CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL)');
  });

  afterEach(() => {
    for (const connection of connections) if (connection.open) connection.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** Starts the lock holder and resolves once it holds the write lock. */
  function holdWriteLock(holdMs: number) {
    const child = spawn(
      process.execPath,
      [
        '-e',
        LOCK_HOLDER,
        require.resolve('better-sqlite3'),
        path,
        JSON.stringify(SQLITE_PRAGMAS),
        String(holdMs),
      ],
      { shell: false, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code, stdout, stderr })),
    );
    const locked = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('locked\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`lock holder exited early: ${stderr}`)));
    });
    return { locked, exited };
  }

  it('reports WAL, synchronous NORMAL, foreign_keys on and busy_timeout >= 5000 on each connection', () => {
    for (const connection of [open(), open()]) {
      applySqlitePragmas(connection);
      expect(connection.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(connection.pragma('synchronous', { simple: true })).toBe(1);
      expect(connection.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(Number(connection.pragma('busy_timeout', { simple: true }))).toBeGreaterThanOrEqual(
        5000,
      );
    }
  });

  it('makes a second writer wait for the first one and succeed, instead of failing with SQLITE_BUSY', async () => {
    const writer = open();
    applySqlitePragmas(writer);
    const holder = holdWriteLock(300);
    await holder.locked;

    // Without a busy timeout the same write fails at once: the lock really is held.
    const impatient = open();
    impatient.pragma('busy_timeout = 0');
    expect(() =>
      impatient.prepare('INSERT INTO events (writer) VALUES (?)').run('impatient'),
    ).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));

    // With the pragmas the write waits for the holder's COMMIT and then succeeds.
    const result = writer.prepare('INSERT INTO events (writer) VALUES (?)').run('waiter');
    expect(result.changes).toBe(1);

    const { code, stdout, stderr } = await holder.exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe('locked\ncommitted\n');
    const rows = writer.prepare('SELECT writer FROM events ORDER BY id').pluck().all();
    expect(rows).toEqual(['holder', 'waiter']);
  });

  it('makes a second write transaction (BEGIN IMMEDIATE) wait and commit too', async () => {
    const writer = open();
    applySqlitePragmas(writer);
    const holder = holdWriteLock(300);
    await holder.locked;

    const insert = writer.prepare('INSERT INTO events (writer) VALUES (?)');
    writer
      .transaction(() => {
        insert.run('waiter-1');
        insert.run('waiter-2');
      })
      .immediate();

    expect((await holder.exited).code).toBe(0);
    expect(writer.prepare('SELECT writer FROM events ORDER BY id').pluck().all()).toEqual([
      'holder',
      'waiter-1',
      'waiter-2',
    ]);
  });
});
