import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTomo, SpawnedTomo } from './support/spawn-tomo';
import { ADMIN_PASSWORD, ADMIN_USERNAME, GOOD_PASSWORD } from './support/tomo-harness';

/** Megabytes of filler rows, so that a restore takes long enough to be cut at several points. */
const FILLER_MB = 96;

/** Files that show how far a restore has come; the process is killed as soon as one shows. */
interface Phase {
  name: string;
  /** The state the database must be in after a kill in this phase. */
  expect: 'old' | 'new' | 'either';
  reached(files: { data: string[]; backups: string[]; backupsBefore: string[] }): boolean;
}
const PHASES: Phase[] = [
  {
    name: 'extracting and checking the backup',
    expect: 'old',
    reached: ({ data }) => data.some((name) => name.startsWith('.restore-')),
  },
  {
    name: 'writing the pre-restore copy (writers held out)',
    expect: 'old',
    reached: ({ backups }) => backups.some((name) => name.startsWith('.tmp-')),
  },
  {
    name: 'pre-restore copy written, swap under way',
    expect: 'either',
    reached: ({ backups, backupsBefore }) =>
      backups.some((name) => name.includes('-pre-restore-') && !backupsBefore.includes(name)),
  },
  {
    name: 'database swapped, history being written',
    expect: 'new',
    reached: ({ data, backups, backupsBefore }) =>
      !data.some((name) => name.startsWith('.restore-')) &&
      backups.some((name) => name.includes('-pre-restore-') && !backupsBefore.includes(name)),
  },
];

/**
 * kill -9 of the built server while restore_backup runs, at several points of it; after a
 * restart the database passes integrity_check and holds either all of the old data or all of
 * the backup's, and no work file is left behind.
 */
describe('backup: kill -9 during restore_backup leaves the old or the new database, whole', () => {
  let dataDirectory: string;
  let tomo: SpawnedTomo;
  let url: string;
  let token: string;
  let backupId: string;

  const env = () => ({
    APP_ENV: 'test',
    DATA_DIRECTORY: dataDirectory,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TOMO_ADMIN_USERNAME: ADMIN_USERNAME,
    TOMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    SERVER_CHECK_INTERVAL_SECONDS: '0',
  });
  const start = async () => {
    tomo = spawnTomo(env());
    url = await tomo.ready;
    token = await login(ADMIN_USERNAME, ADMIN_PASSWORD);
  };
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const login = async (username: string, password: string) => {
    const response = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { token: string }).token;
  };
  const createUser = async (username: string) => {
    const created = await request('POST', '/api/v1/users', {
      username,
      password: GOOD_PASSWORD,
      role: 'readonly',
    });
    expect(created.status).toBe(201);
  };
  const usernames = async (): Promise<string[]> =>
    ((await request('GET', '/api/v1/users')).body.items as { username: string }[])
      .map((user) => user.username)
      .sort();
  /** The database file as Tomo left it: integrity and what it holds. */
  const inspect = () => {
    const db = new Database(join(dataDirectory, 'tomo.db'));
    try {
      return {
        integrity: db.pragma('integrity_check', { simple: true }),
        users: db.prepare('SELECT username FROM users ORDER BY username').pluck().all() as string[],
        filler: db.prepare('SELECT COUNT(*) FROM filler').pluck().get(),
      };
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-backup-crash-'));
    await start();
    await tomo.stop();
    // Bulk the database up directly (Tomo is stopped): a table of 1 MiB blobs.
    const db = new Database(join(dataDirectory, 'tomo.db'));
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < FILLER_MB; i++) insert.run(randomBytes(1024 * 1024));
    })();
    db.close();
    await start();
    await createUser('in-backup');
    const created = await request('POST', '/api/v1/backups', {});
    expect(created.status).toBe(201);
    backupId = created.body.id;
    await createUser('after-backup');
  }, 120_000);

  afterAll(async () => {
    if (tomo) await tomo.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it.each(PHASES)(
    'survives a kill while $name',
    async (phase) => {
      if (!(await usernames()).includes('after-backup')) await createUser('after-backup');
      const backupsBefore = readdirSync(join(dataDirectory, 'backups'));
      const restore = fetch(`${url}/api/v1/backups/${backupId}/restore`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      })
        .then(async (response) => ({ status: response.status, body: await response.text() }))
        .catch(() => null);
      // Poll the data directory and kill as soon as the phase shows (or the restore ended).
      let finished = false;
      void restore.then(() => (finished = true));
      for (;;) {
        const files = {
          data: readdirSync(dataDirectory),
          backups: readdirSync(join(dataDirectory, 'backups')),
          backupsBefore,
        };
        if (phase.reached(files) || finished) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const answeredBeforeKill = finished;
      tomo.process.kill('SIGKILL');
      await tomo.exited;
      const answer = await restore;

      const state = inspect();
      expect(state.integrity).toBe('ok');
      expect(state.filler).toBe(FILLER_MB);
      const old = state.users.includes('after-backup');
      expect(state.users).toEqual(
        old ? ['admin', 'after-backup', 'in-backup'] : ['admin', 'in-backup'],
      );
      console.log(
        `kill while ${phase.name}: ${answeredBeforeKill ? `after the restore answered ${JSON.stringify(answer)}` : 'mid-restore'}, database ${old ? 'old' : 'new'}`,
      );
      if (!answeredBeforeKill && phase.expect !== 'either')
        expect(old ? 'old' : 'new').toBe(phase.expect);

      await start();
      expect(readdirSync(dataDirectory).filter((name) => name.startsWith('.restore-'))).toEqual([]);
      expect(
        readdirSync(join(dataDirectory, 'backups')).filter((name) => name.startsWith('.')),
      ).toEqual([]);
      expect(await usernames()).toEqual(state.users);
      const backups = (await request('GET', '/api/v1/backups')).body.items as {
        id: string;
        trigger: string;
      }[];
      expect(backups.map((b) => b.id)).toContain(backupId);
      // A pre-restore copy written before the kill is listed again (registered at startup).
      const preRestoreFiles = readdirSync(join(dataDirectory, 'backups')).filter((name) =>
        name.includes('-pre-restore-'),
      );
      expect(backups.filter((b) => b.trigger === 'pre-restore')).toHaveLength(
        preRestoreFiles.length,
      );
    },
    120_000,
  );
});
