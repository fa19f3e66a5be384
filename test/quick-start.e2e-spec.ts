import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTomo } from './support/spawn-tomo';

/** The built server started as `npm start` starts it: what a new user sees. */
describe('quick start (built server in a child process)', () => {
  const directories: string[] = [];
  const freshDirectory = () => {
    const directory = mkdtempSync(join(tmpdir(), 'tomo-start-'));
    directories.push(directory);
    return directory;
  };
  afterAll(() => directories.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('prints where it listens and how to log in, and keeps the generated password in a 0600 file', async () => {
    const data = freshDirectory();
    const tomo = spawnTomo({ DATA_DIRECTORY: data, PORT: '0' });
    const url = await tomo.ready;
    try {
      const passwordFile = join(data, 'initial-admin-password');
      const password = readFileSync(passwordFile, 'utf8').trim();
      expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
      expect(password.length).toBeGreaterThanOrEqual(20);
      expect(tomo.stdout()).toContain(`${url}/api/docs`);
      expect(tomo.stdout()).toContain(`${url}/mcp`);
      expect(tomo.stdout()).toContain(passwordFile);
      expect(tomo.stdout() + tomo.stderr()).not.toContain(password);
      expect(statSync(join(data, 'tomo.db')).mode & 0o077).toBe(0);

      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
      expect(login.status).toBe(200);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    } finally {
      expect(await tomo.stop()).toBe(0);
    }

    // A second start keeps the admin and does not generate another password.
    const again = spawnTomo({ DATA_DIRECTORY: data, PORT: '0' });
    await again.ready;
    expect(again.stdout()).toContain('Log in with an existing account');
    await again.stop();
  });

  it('refuses to start in production without a strong JWT_SECRET_KEY, saying why', async () => {
    const tomo = spawnTomo({ DATA_DIRECTORY: freshDirectory(), PORT: '0', APP_ENV: 'production' });
    expect(await tomo.exited).toBe(1);
    expect(tomo.stderr()).toContain('JWT_SECRET_KEY is required when APP_ENV=production');

    const weak = spawnTomo({
      DATA_DIRECTORY: freshDirectory(),
      PORT: '0',
      APP_ENV: 'production',
      JWT_SECRET_KEY: 'changeme'.repeat(5),
    });
    expect(await weak.exited).toBe(1);
    expect(weak.stderr()).toContain('well-known default');
  });

  it('reports every bad setting at once, one line each', async () => {
    const tomo = spawnTomo({ DATA_DIRECTORY: freshDirectory(), PORT: 'eighty', SSH_TIMEOUT: '0' });
    expect(await tomo.exited).toBe(1);
    expect(tomo.stderr()).toMatch(/PORT: .*"eighty"/);
    expect(tomo.stderr()).toMatch(/SSH_TIMEOUT: /);
  });

  it('creates the first admin from TOMO_ADMIN_USERNAME / TOMO_ADMIN_PASSWORD', async () => {
    const tomo = spawnTomo({
      DATA_DIRECTORY: freshDirectory(),
      PORT: '0',
      TOMO_ADMIN_USERNAME: 'root-admin',
      TOMO_ADMIN_PASSWORD: 'violet harbour seventeen kites',
    });
    const url = await tomo.ready;
    try {
      expect(tomo.stdout()).toContain('Log in as "root-admin" with TOMO_ADMIN_PASSWORD');
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          username: 'root-admin',
          password: 'violet harbour seventeen kites',
        }),
      });
      expect(login.status).toBe(200);
    } finally {
      await tomo.stop();
    }
  });
});
