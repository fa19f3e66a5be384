import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithSshd } from './support/infra';
import { spawnTomo, SpawnedTomo } from './support/spawn-tomo';
import { startSshd, TestSshd } from './support/sshd';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/tomo-harness';

const CLI_JS = join(__dirname, '..', 'dist', 'src', 'cli.js');
const run = promisify(execFile);

/**
 * Credentials at rest and in logs, with the built server as a user runs it: the debug log of a
 * session that adds servers, fails logins and runs commands carries no credential, and
 * `tomo rotate-encryption-key` re-seals everything so Tomo still logs in afterwards.
 */
describeWithSshd('credentials: sealed at rest, absent from logs, key rotation', () => {
  let sshd: TestSshd;
  let dataDirectory: string;
  let tomo: SpawnedTomo | undefined;
  let url: string;
  let token: string;
  const ids: string[] = [];
  const env = () => ({
    APP_ENV: 'test',
    DATA_DIRECTORY: dataDirectory,
    PORT: '0',
    LOG_LEVEL: 'debug',
    TOMO_ADMIN_USERNAME: ADMIN_USERNAME,
    TOMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SERVER_CHECK_INTERVAL_SECONDS: '0',
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async function start(): Promise<void> {
    tomo = spawnTomo(env());
    url = await tomo.ready;
    token = (
      await call('POST', '/api/v1/auth/login', {
        username: ADMIN_USERNAME,
        password: ADMIN_PASSWORD,
      })
    ).body.token;
  }

  const keyLines = () =>
    [sshd.privateKey, sshd.encryptedKey.key].map(
      (key) => key.split('\n').filter((line) => line.length > 40)[1]!,
    );
  const secrets = () => [sshd.password, sshd.encryptedKey.passphrase, ...keyLines()];

  beforeAll(async () => {
    sshd = await startSshd();
    dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-credentials-'));
    await start();
  });

  afterAll(async () => {
    await tomo?.stop();
    await sshd?.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('logs a whole session at debug level without a credential in it', async () => {
    const added = [
      await call('POST', '/api/v1/servers', {
        name: 'by password',
        hostname: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        credential: sshd.password,
      }),
      await call('POST', '/api/v1/servers', {
        name: 'by key',
        hostname: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        auth_type: 'key',
        credential: sshd.encryptedKey.key,
        passphrase: sshd.encryptedKey.passphrase,
      }),
    ];
    // The endpoint is the same, so the second is refused as a duplicate: use the key on the first.
    expect(added[0]!.body.status).toBe('online');
    expect(added[1]!.status).toBe(409);
    ids.push(added[0]!.body.id);
    const keyed = await call('PATCH', `/api/v1/servers/${ids[0]}`, {
      auth_type: 'key',
      credential: sshd.encryptedKey.key,
      passphrase: sshd.encryptedKey.passphrase,
    });
    expect(keyed.body).toMatchObject({ status: 'online', auth_type: 'key' });
    // Failures log too: a wrong passphrase, a refused password, a command.
    expect(
      (await call('PATCH', `/api/v1/servers/${ids[0]}`, { passphrase: `${sshd.password}x` }))
        .status,
    ).toBe(400);
    expect(
      (await call('POST', `/api/v1/servers/${ids[0]}/commands`, { command: 'echo hello' })).body,
    ).toMatchObject({ success: true });
    await tomo!.stop();
    const log = tomo!.stdout() + tomo!.stderr();
    expect(log).toMatch(/"level"/);
    expect(log).toMatch(/\/api\/v1\/servers/);
    for (const secret of secrets()) expect(log).not.toContain(secret);
    tomo = undefined;
  });

  it('the database file holds sealed envelopes only', () => {
    const bytes = ['tomo.db', 'tomo.db-wal']
      .filter((name) => existsSync(join(dataDirectory, name)))
      .map((name) => readFileSync(join(dataDirectory, name)).toString('latin1'))
      .join('');
    for (const secret of secrets()) expect(bytes).not.toContain(secret);
  });

  it('rotate-encryption-key re-seals every credential under a new key; Tomo still logs in', async () => {
    const keyFile = join(dataDirectory, 'encryption-key');
    const oldKey = readFileSync(keyFile, 'utf8');
    const envelopes = () => {
      const db = new Database(join(dataDirectory, 'tomo.db'), { readonly: true });
      const rows = db.prepare('SELECT credential, passphrase FROM servers').all() as {
        credential: string;
        passphrase: string | null;
      }[];
      db.close();
      return rows;
    };
    const before = envelopes();

    const { stdout } = await run(process.execPath, [CLI_JS, 'rotate-encryption-key'], {
      env: { PATH: process.env.PATH ?? '', ...env(), LOG_LEVEL: 'warn' },
    });
    expect(stdout).toMatch(
      /Re-sealed 1 secret\(s\) \(server credentials, app inputs, secret settings, notification channel secrets\) under key [0-9a-f]{8}/,
    );
    const newKeyId = /under key ([0-9a-f]{8})/.exec(stdout)![1]!;
    expect(readFileSync(keyFile, 'utf8')).not.toBe(oldKey);
    expect(existsSync(`${keyFile}.next`)).toBe(false);

    const after = envelopes();
    expect(after).toHaveLength(before.length);
    for (const row of after) {
      expect(row.credential.split(':')[1]).toBe(newKeyId);
      expect(row.passphrase?.split(':')[1]).toBe(newKeyId);
    }

    await start();
    const test = await call('POST', `/api/v1/servers/${ids[0]}/test`);
    expect(test.body).toMatchObject({ success: true, status: 'online' });
    const audit = await call('GET', '/api/v1/audit?action=encryption_key.rotated');
    expect(audit.body.items[0]).toMatchObject({
      actor_type: 'system',
      details: { resealed: 1, to_key_id: newKeyId },
    });
    expect((await call('POST', '/api/v1/audit/verify')).body).toMatchObject({ valid: true });
  });

  it('with TOMO_ENCRYPTION_KEY set, the command asks for the new key instead of guessing', async () => {
    await expect(
      run(process.execPath, [CLI_JS, 'rotate-encryption-key'], {
        env: {
          PATH: process.env.PATH ?? '',
          ...env(),
          TOMO_ENCRYPTION_KEY: 'a'.repeat(64),
        },
      }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/give the new key in TOMO_NEW_ENCRYPTION_KEY/),
    });
  });
});
