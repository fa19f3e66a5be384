import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/free-port';
import { describeWith, dockerRequirement, sshdRequirement } from './support/infra';
import { containersOf } from './support/installed-apps';
import { spawnTomo, SpawnedTomo } from './support/spawn-tomo';
import { startSshd, TestSshdWithRoot } from './support/sshd';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/tomo-harness';

/** A page server; with FAIL=1 it never listens, so its healthcheck stays "starting" for a minute. */
function manifest(id: string, port: number) {
  return {
    manifest_version: 1,
    id,
    name: id,
    version: '1.0.0',
    services: [
      {
        name: 'web',
        image: 'tomo-test/busybox:1.35',
        command: [
          'busybox',
          'sh',
          '-c',
          'trap "exit 0" TERM; if [ "$FAIL" = 1 ]; then busybox sleep 600 & wait; fi; busybox mkdir -p /www; echo up > /www/index.html; busybox httpd -f -p 8080 -h /www & wait',
        ],
        env: { FAIL: '0' },
        ports: [{ container: 8080, host: port, main: true }],
        healthcheck: {
          test: ['CMD', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'],
          interval_s: 1,
          timeout_s: 2,
          retries: 60,
        },
      },
    ],
  };
}

/**
 * A backend killed with SIGKILL in the middle of a deployment: at the next start an interrupted
 * install is marked failed and its containers removed; an interrupted update is rolled back to
 * the containers that ran before it. Real process, real sshd, real engine.
 */
describeWith(sshdRequirement(), dockerRequirement())(
  'apps: deployments interrupted by a backend crash are recovered at startup',
  () => {
    let sshd: TestSshdWithRoot;
    let tomo: SpawnedTomo;
    let url: string;
    let token: string;
    let serverId: string;
    let dataDirectory: string;
    let appsRoot: string;
    let port: number;
    const installations: string[] = [];
    let seen = '';

    async function start(): Promise<void> {
      tomo = spawnTomo({
        APP_ENV: 'test',
        DATA_DIRECTORY: dataDirectory,
        PORT: String(port),
        TOMO_ADMIN_USERNAME: ADMIN_USERNAME,
        TOMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
        SERVER_CHECK_INTERVAL_SECONDS: '0',
        APPS_DATA_ROOT: appsRoot,
      });
      url = await tomo.ready;
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
      });
      token = ((await login.json()) as { token: string }).token;
    }

    async function call(method: string, path: string, body?: unknown) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    }

    async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for ${what}; last seen: ${seen}; backend output:\n${tomo.stdout()}\n${tomo.stderr()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }

    /** Sends a request that the crash will cut off; returns once the deploy reached `starting`. */
    async function crashWhileStarting(
      send: () => Promise<unknown>,
      container: (id: string) => string,
      id: () => Promise<string>,
    ): Promise<string> {
      void send().catch(() => undefined);
      const installationId = await until('the deployment to reach "starting"', async () => {
        const found = await id().catch(() => undefined);
        if (!found) return undefined;
        const row = (await call('GET', `/api/v1/apps?limit=100`)).body.items.find(
          (item: any) => item.id === found,
        );
        return row?.status === 'starting' && containersOf(found).includes(container(found))
          ? found
          : undefined;
      });
      tomo.process.kill('SIGKILL');
      await tomo.exited;
      return installationId;
    }

    beforeAll(async () => {
      dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-recovery-'));
      appsRoot = join(dataDirectory, 'apps');
      port = await freePort();
      sshd = await startSshd({ rootLogin: true });
      await start();
      const added = await call('POST', '/api/v1/servers', {
        name: 'this machine',
        hostname: '127.0.0.1',
        port: sshd.port,
        username: 'root',
        auth_type: 'key',
        credential: sshd.rootPrivateKey,
      });
      serverId = added.body.id;
    }, 60_000);

    afterAll(async () => {
      for (const id of installations) {
        for (const name of containersOf(id)) execFileSync('docker', ['rm', '-f', name]);
        try {
          const network = `tomo-${id.replace(/-/g, '').slice(0, 12)}`;
          execFileSync('docker', ['network', 'rm', network], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
      await tomo?.stop();
      await sshd?.stop();
      rmSync(dataDirectory, { recursive: true, force: true });
    });

    it('an install cut off by a crash is marked failed and its containers removed at startup', async () => {
      const appPort = await freePort();
      const stuck = manifest('stuck', appPort);
      stuck.services[0]!.env = { FAIL: '1' };
      const id = await crashWhileStarting(
        () => call('POST', `/api/v1/servers/${serverId}/apps/custom`, { manifest: stuck }),
        (installation) => `tomo-${installation.replace(/-/g, '').slice(0, 12)}-web`,
        async () => {
          const items = (await call('GET', `/api/v1/apps?limit=100`)).body.items as any[];
          return items.find((item) => item.app_id === 'custom/stuck')?.id;
        },
      );
      installations.push(id);
      await start();
      const row = await until('the cleanup', async () => {
        const body = (await call('GET', `/api/v1/apps/${id}`)).body;
        return body.status === 'failed' && containersOf(id).length === 0 ? body : undefined;
      });
      expect(row.error).toMatch(/Interrupted by a restart of Tomo/);
    }, 180_000);

    it('an update cut off by a crash is rolled back to the previous containers at startup', async () => {
      const appPort = await freePort();
      const installed = await call('POST', `/api/v1/servers/${serverId}/apps/custom`, {
        manifest: manifest('steady', appPort),
      });
      expect(installed.body).toMatchObject({ status: 'running' });
      const id = installed.body.id as string;
      installations.push(id);
      const prefix = `tomo-${id.replace(/-/g, '').slice(0, 12)}`;
      await crashWhileStarting(
        () => call('PATCH', `/api/v1/apps/${id}`, { config: { env: { FAIL: '1' } } }),
        () => `${prefix}-web.1`,
        () => Promise.resolve(id),
      );
      await start();
      const row = await until('the rollback', async () => {
        const body = (await call('GET', `/api/v1/apps/${id}`)).body;
        seen = `${body.status} ${body.error} ${containersOf(id).join()}`;
        return body.status === 'running' && containersOf(id).join() === `${prefix}-web`
          ? body
          : undefined;
      });
      expect(row.error).toMatch(
        /^The update to 1\.0\.0 was interrupted by a restart of Tomo; version 1\.0\.0 is back as it was\.$/,
      );
      expect(await (await fetch(`http://127.0.0.1:${appPort}/`)).text()).toBe('up\n');
    }, 180_000);
  },
);
