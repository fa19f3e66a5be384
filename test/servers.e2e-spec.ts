import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isHostnameOrIp } from '../src/servers/dto/server-fields';
import { freePort } from './support/free-port';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

/**
 * The inventory against a real OpenSSH server: password and key logins (with and without a
 * passphrase), a wrong password, an unreachable port, duplicates, and the credential never
 * leaving the server (responses, audit, the SQLite file).
 */
describeWithSshd('servers: inventory over real SSH', () => {
  let sshd: TestSshd;
  let tomo: TestTomo;
  let token: string;
  const bodies: string[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await tomo.request(method, path, { token, body });
    bodies.push(JSON.stringify(response.body));
    return response;
  };
  const add = (body: Record<string, unknown>) =>
    api('POST', '/api/v1/servers', { hostname: '127.0.0.1', port: sshd.port, ...body });

  beforeAll(async () => {
    sshd = await startSshd({ extraAddresses: 8 });
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
  });

  afterAll(async () => {
    await tomo?.stop();
    await sshd?.stop();
  });

  it('adds a server with a password: online, host key pinned, OS and architecture detected', async () => {
    const response = await add({
      name: 'web-1',
      username: sshd.username,
      credential: sshd.password,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'web-1',
      hostname: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      auth_type: 'password',
      status: 'online',
      status_error: null,
      host_key_fingerprint: sshd.hostKeyFingerprint,
      arch: expect.stringMatching(/\S/),
      os: expect.stringMatching(/Debian|Ubuntu|Linux/),
    });
    expect(response.body).not.toHaveProperty('credential');
    expect(Date.parse(response.body.last_seen_at)).toBeGreaterThan(Date.now() - 60_000);

    const fetched = await api('GET', `/api/v1/servers/${response.body.id}`);
    expect(fetched.body).toEqual(response.body);
  });

  it.each([
    ['an OpenSSH key without passphrase', 2, () => ({ credential: sshd.privateKey })],
    [
      'an encrypted OpenSSH key with its passphrase',
      3,
      () => ({ credential: sshd.encryptedKey.key, passphrase: sshd.encryptedKey.passphrase }),
    ],
    [
      'an encrypted PEM (RSA) key with its passphrase',
      4,
      () => ({ credential: sshd.pemKey.key, passphrase: sshd.pemKey.passphrase }),
    ],
  ])('logs in with %s', async (label, host, credentials) => {
    const response = await add({
      name: `key ${label}`,
      // The endpoint (host, port, user) must be unique: the same sshd on another address.
      hostname: `127.0.0.${host}`,
      username: sshd.username,
      auth_type: 'key',
      ...credentials(),
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ auth_type: 'key', status: 'online', status_error: null });

    const test = await api('POST', `/api/v1/servers/${response.body.id}/test`);
    expect(test.body).toMatchObject({
      success: true,
      error: null,
      status: 'online',
      host_key_fingerprint: sshd.hostKeyFingerprint,
    });
    expect(test.body.latency_ms).toBeGreaterThan(0);
  });

  it('refuses a key it cannot open, saying why, and stores nothing', async () => {
    const before = (await api('GET', '/api/v1/servers')).body.total;
    const cases = [
      [{ credential: sshd.encryptedKey.key }, /encrypted: give its passphrase/],
      [{ credential: sshd.encryptedKey.key, passphrase: 'not it' }, /passphrase does not open/],
      [{ credential: 'not a key at all' }, /not a private key/],
    ] as const;
    for (const [fields, message] of cases) {
      const response = await add({
        hostname: '127.0.0.99',
        username: sshd.username,
        auth_type: 'key',
        ...fields,
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.detail).toMatch(message);
    }
    expect((await api('GET', '/api/v1/servers')).body.total).toBe(before);
  });

  it('a wrong password gives auth_failed; the right one works at once (no lockout)', async () => {
    const added = await add({
      name: 'wrong password',
      hostname: '127.0.0.5',
      username: sshd.username,
      credential: 'definitely not the password',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      status: 'auth_failed',
      status_error: expect.stringMatching(/refused the credential/),
      host_key_fingerprint: sshd.hostKeyFingerprint,
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const test = await api('POST', `/api/v1/servers/${added.body.id}/test`);
      expect(test.body).toMatchObject({ success: false, status: 'auth_failed' });
    }
    const fixed = await api('PATCH', `/api/v1/servers/${added.body.id}`, {
      credential: sshd.password,
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ status: 'online', status_error: null });
  });

  it('stores an unreachable server with the reason, so it can be fixed later', async () => {
    const closedPort = await freePort();
    const added = await add({
      name: 'down',
      port: closedPort,
      username: sshd.username,
      credential: sshd.password,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      status: 'unreachable',
      status_error: expect.stringMatching(/refused the connection/),
      host_key_fingerprint: null,
      last_seen_at: null,
    });
    const listed = await api('GET', '/api/v1/servers?status=unreachable');
    expect(listed.body.items.map((s: { id: string }) => s.id)).toContain(added.body.id);

    const command = await api('POST', `/api/v1/servers/${added.body.id}/commands`, {
      command: 'true',
    });
    expect(command.status).toBe(502);
    expect(command.body.code).toBe('SSH_UNREACHABLE');

    const moved = await api('PATCH', `/api/v1/servers/${added.body.id}`, {
      hostname: '127.0.0.7',
      port: sshd.port,
    });
    expect(moved.body).toMatchObject({
      status: 'online',
      host_key_fingerprint: sshd.hostKeyFingerprint,
    });
  });

  it('a duplicate host, port and user is a 409 naming the existing server', async () => {
    const first = await add({
      name: 'dup',
      hostname: '127.0.0.60',
      username: 'nobody1',
      credential: 'x',
    });
    expect(first.status).toBe(201);
    const again = await add({ hostname: '127.0.0.60', username: 'nobody1', credential: 'y' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT', server_id: first.body.id });
    expect(again.body.detail).toContain(first.body.id);
  });

  it('refuses bad hostnames, ports and usernames with a message per field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ hostname: 'bad_host!' }, /hostname must be a host name/],
      [{ hostname: '-leading.example' }, /hostname/],
      [{ hostname: 'root@example.com' }, /hostname/],
      [{ hostname: '999.1.1.1' }, /hostname/],
      [{ port: 0 }, /port must be from 1 to 65535/],
      [{ port: 70000 }, /port must be from 1 to 65535/],
      [{ username: 'bad user' }, /POSIX user name/],
      [{ username: '-rf' }, /POSIX user name/],
    ];
    for (const [fields, message] of cases) {
      const response = await add({ credential: 'x', ...fields });
      expect({ fields, status: response.status }).toEqual({ fields, status: 400 });
      expect(response.body.detail).toMatch(message);
    }
    for (const hostname of ['::1', '127.0.0.1', 'db-1.internal.example', 'host.']) {
      expect({ hostname, ok: isHostnameOrIp(hostname) }).toEqual({ hostname, ok: true });
    }
  });

  it('updates a name without reconnecting and removes a server', async () => {
    const added = await add({
      name: 'temp',
      hostname: '127.0.0.6',
      username: sshd.username,
      credential: sshd.password,
    });
    const renamed = await api('PATCH', `/api/v1/servers/${added.body.id}`, { name: 'renamed' });
    expect(renamed.body).toMatchObject({ name: 'renamed', status: 'online' });
    expect((await api('DELETE', `/api/v1/servers/${added.body.id}`)).body).toEqual({
      success: true,
    });
    expect((await api('GET', `/api/v1/servers/${added.body.id}`)).status).toBe(404);
    const audit = await api('GET', `/api/v1/audit?target_id=${added.body.id}&limit=50`);
    expect(audit.body.items.map((row: { action: string }) => row.action)).toEqual(
      expect.arrayContaining(['server.added', 'server.updated', 'server.removed']),
    );
  });

  it('never lets a credential out: responses, audit rows and the SQLite file hold none', async () => {
    const secrets = [
      sshd.password,
      sshd.encryptedKey.passphrase,
      sshd.pemKey.passphrase,
      ...[sshd.privateKey, sshd.encryptedKey.key, sshd.pemKey.key].map(
        (key) =>
          // A distinctive line from the middle of each key's base64 body.
          key.split('\n').filter((line) => line.length > 40)[1]!,
      ),
    ];
    const audit = await api('GET', '/api/v1/audit?limit=500');
    const files = ['tomo.db', 'tomo.db-wal']
      .map((name) => {
        try {
          return readFileSync(join(tomo.dataDirectory, name)).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      for (const body of [...bodies, JSON.stringify(audit.body)])
        expect(body).not.toContain(secret);
      expect(files).not.toContain(secret);
    }
    const db = new Database(join(tomo.dataDirectory, 'tomo.db'), { readonly: true });
    const rows = db.prepare('SELECT credential, passphrase FROM servers').all() as {
      credential: string;
      passphrase: string | null;
    }[];
    db.close();
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      expect(row.credential).toMatch(/^v1:[0-9a-f]{8}:/);
      if (row.passphrase) expect(row.passphrase).toMatch(/^v1:[0-9a-f]{8}:/);
    }
  });
});
