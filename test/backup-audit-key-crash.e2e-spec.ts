import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTomo, SpawnedTomo } from './support/spawn-tomo';
import { ADMIN_PASSWORD, ADMIN_USERNAME, GOOD_PASSWORD } from './support/tomo-harness';

/** Megabytes of filler rows, so that a restore takes long enough to be cut at several points. */
const FILLER_MB = 64;
const PASSPHRASE = 'a heron waits by the sluice gate';

/** Files that show how far a restore that adopts the backup's audit key has come. */
interface Phase {
  name: string;
  /** The database after a kill in this phase (`either`: the poll may see it late). */
  expect: 'old' | 'new' | 'either';
  reached(data: string[], backups: string[]): boolean;
}
const PHASES: Phase[] = [
  {
    name: 'extracting and checking the backup',
    expect: 'old',
    reached: (data) => data.some((name) => name.startsWith('.restore-')),
  },
  {
    name: 'the pending audit key is on disk, before the swap',
    expect: 'either',
    reached: (data) => data.includes('audit-key.restore'),
  },
  {
    name: 'writing the pre-restore copy (writers held out)',
    expect: 'either',
    reached: (_data, backups) => backups.some((name) => name.startsWith('.tmp-')),
  },
  {
    name: 'the database is swapped and the replaced key kept',
    expect: 'either',
    reached: (data) => data.includes('audit-key.pre-restore'),
  },
  {
    name: 'the key is adopted and the history being written',
    expect: 'new',
    reached: (data) =>
      data.includes('audit-key.pre-restore') && !data.includes('audit-key.restore'),
  },
];

/**
 * kill -9 of the built server while it restores, on a "fresh machine", a passphrase backup made
 * by another installation (another audit key): after a restart the audit key file matches the
 * database it finds (the old database with its own key, or the backup's with the backup's key),
 * so verify_audit_log and the settings audit chain are valid either way.
 */
describe('backup: kill -9 while a restore adopts the backup’s audit key', () => {
  const directories: string[] = [];
  /** The data directory of the installation that restores, before any restore (copied per phase). */
  let template: string;
  let backupId: string;
  let backupAuditKey: string;
  let ownAuditKey: string;

  const tempDirectory = (prefix: string) => {
    const directory = mkdtempSync(join(tmpdir(), prefix));
    directories.push(directory);
    return directory;
  };
  const env = (dataDirectory: string) => ({
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

  /** A spawned Tomo with a logged-in admin. */
  const start = async (dataDirectory: string) => {
    const tomo = spawnTomo(env(dataDirectory));
    const url = await tomo.ready;
    let token = '';
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(url + path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const login = await call('POST', '/api/v1/auth/login', {
      username: ADMIN_USERNAME,
      password: ADMIN_PASSWORD,
    });
    expect(login.status).toBe(200);
    token = login.body.token;
    return { tomo, url, call, token: () => token };
  };
  const createUser = async (
    call: (m: string, p: string, b?: unknown) => Promise<any>,
    name: string,
  ) =>
    expect(
      (
        await call('POST', '/api/v1/users', {
          username: name,
          password: GOOD_PASSWORD,
          role: 'readonly',
        })
      ).status,
    ).toBe(201);
  const keyOf = (dataDirectory: string) =>
    readFileSync(join(dataDirectory, 'audit-key'), 'utf8').trim();

  let running: SpawnedTomo | null = null;

  beforeAll(async () => {
    // The other installation: a bulky database, a settings change, a passphrase backup.
    const other = tempDirectory('tomo-audit-key-crash-source-');
    let source = await start(other);
    await source.tomo.stop();
    const db = new Database(join(other, 'tomo.db'));
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < FILLER_MB; i++) insert.run(randomBytes(1024 * 1024));
    })();
    db.close();
    source = await start(other);
    await createUser(source.call, 'from-backup');
    expect(
      (
        await source.call('PUT', '/api/v1/settings/system/security.max_login_attempts', {
          value: 8,
        })
      ).status,
    ).toBe(200);
    const created = await source.call('POST', '/api/v1/backups', { passphrase: PASSPHRASE });
    expect(created.status).toBe(201);
    backupId = created.body.id;
    await source.tomo.stop();
    backupAuditKey = keyOf(other);

    // This installation, with the backup file dropped into its backups directory (listed at start).
    template = tempDirectory('tomo-audit-key-crash-template-');
    const own = await start(template);
    await createUser(own.call, 'own-user');
    await own.tomo.stop();
    ownAuditKey = keyOf(template);
    expect(ownAuditKey).not.toBe(backupAuditKey);
    const file = readdirSync(join(other, 'backups')).find((name) => name.includes(backupId))!;
    copyFileSync(join(other, 'backups', file), join(template, 'backups', file));
  }, 180_000);

  afterAll(async () => {
    if (running) await running.stop();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  it.each(PHASES)(
    'leaves key and database in agreement after a kill while $name',
    async (phase) => {
      const dataDirectory = tempDirectory('tomo-audit-key-crash-');
      cpSync(template, dataDirectory, { recursive: true });
      const live = await start(dataDirectory);
      running = live.tomo;
      const restore = fetch(`${live.url}/api/v1/backups/${backupId}/restore`, {
        method: 'POST',
        headers: { authorization: `Bearer ${live.token()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ passphrase: PASSPHRASE }),
      })
        .then(async (response) => ({ status: response.status, body: await response.text() }))
        .catch(() => null);
      let finished = false;
      void restore.then(() => (finished = true));
      for (;;) {
        const data = readdirSync(dataDirectory);
        const backups = readdirSync(join(dataDirectory, 'backups'));
        if (phase.reached(data, backups) || finished) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const answeredBeforeKill = finished;
      live.tomo.process.kill('SIGKILL');
      await live.tomo.exited;
      running = null;
      const answer = await restore;

      const db = new Database(join(dataDirectory, 'tomo.db'));
      const integrity = db.pragma('integrity_check', { simple: true });
      const users = db.prepare('SELECT username FROM users ORDER BY username').pluck().all();
      db.close();
      expect(integrity).toBe('ok');
      const state = (users as string[]).includes('from-backup') ? 'new' : 'old';
      expect(users).toEqual(state === 'new' ? ['admin', 'from-backup'] : ['admin', 'own-user']);
      const pendingAtKill = existsSync(join(dataDirectory, 'audit-key.restore'));
      console.log(
        `kill while ${phase.name}: ${answeredBeforeKill ? `after the restore answered ${JSON.stringify(answer)}` : 'mid-restore'}, database ${state}, pending audit key ${pendingAtKill ? 'present' : 'absent'}`,
      );
      if (!answeredBeforeKill && phase.expect !== 'either') expect(state).toBe(phase.expect);

      // The restart settles the key: the one the database it finds was chained with.
      const again = await start(dataDirectory);
      running = again.tomo;
      expect(existsSync(join(dataDirectory, 'audit-key.restore'))).toBe(false);
      expect(keyOf(dataDirectory)).toBe(state === 'new' ? backupAuditKey : ownAuditKey);
      if (state === 'new') {
        expect(readFileSync(join(dataDirectory, 'audit-key.pre-restore'), 'utf8').trim()).toBe(
          ownAuditKey,
        );
      }
      expect((await again.call('POST', '/api/v1/audit/verify')).body).toMatchObject({
        valid: true,
      });
      expect((await again.call('GET', '/api/v1/settings/audit')).body.chain_valid).toBe(true);
      // And the chain goes on under that key.
      await createUser(again.call, `after-${PHASES.indexOf(phase)}`);
      expect((await again.call('POST', '/api/v1/audit/verify')).body.valid).toBe(true);
      await again.tomo.stop();
      running = null;
    },
    120_000,
  );
});
