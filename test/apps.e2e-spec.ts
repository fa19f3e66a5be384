import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/free-port';
import { describeWith, dockerRequirement, sshdRequirement } from './support/infra';
import { docker, httpGet } from './support/installed-apps';
import { startSshd, TestSshdWithRoot } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

/** Containers, networks and volumes Docker has for an installation (by Tomo's label / names). */
function leftovers(installationId: string) {
  const short = installationId.replace(/-/g, '').slice(0, 12);
  return {
    containers: docker(
      'ps',
      '-a',
      '--filter',
      `label=tomo.installation=${installationId}`,
      '--format',
      '{{.Names}}',
    ),
    networks: docker('network', 'ls', '--filter', `name=tomo-${short}`, '--format', '{{.Name}}'),
    volumes: docker('volume', 'ls', '--filter', `name=tomo-${short}`, '--format', '{{.Name}}'),
  };
}

/** A web service serving its bind-mounted directory, and a dependency it reaches by name. */
function demoManifest(id: string, port: number) {
  return {
    manifest_version: 1,
    id,
    name: 'Demo',
    version: '1.0.0',
    inputs: [{ name: 'SECRET', label: 'Secret', type: 'password', default: '${password:20}' }],
    services: [
      {
        name: 'web',
        image: 'tomo-test/busybox:1.35',
        command: ['busybox', 'httpd', '-f', '-p', '8080', '-h', '/www'],
        env: { SECRET: '${inputs.SECRET}' },
        ports: [{ container: 8080, host: port, main: true }],
        volumes: [
          { name: 'data', container: '/data' },
          { host: '${app_data}/www', container: '/www', mode: 'ro' },
        ],
        depends_on: ['cache'],
      },
      {
        name: 'cache',
        image: 'tomo-test/busybox:1.35',
        command: ['busybox', 'sh', '-c', 'echo cache-ready; exec busybox sleep 600'],
        healthcheck: { test: ['CMD', 'busybox', 'true'], interval_s: 1, timeout_s: 2, retries: 2 },
      },
    ],
  };
}

/**
 * Apps deployed for real: this machine as the server (root over a real sshd, no agent, so the
 * SSH route), the real Docker engine and the test image. Install with progress, the published
 * port serving the bind-mounted directory, stop/start/restart, logs, a container removed by hand
 * found by check_status, uninstall leaving no containers or network, and failures (a pull that
 * cannot succeed, an unhealthy service) rolled back with nothing left behind.
 */
describeWith(sshdRequirement(), dockerRequirement())(
  'apps: deploy and manage apps on a real engine',
  () => {
    let sshd: TestSshdWithRoot;
    let tomo: TestTomo;
    let token: string;
    let serverId: string;
    let dataRoot: string;
    let port: number;
    let installationId: string;
    const created: string[] = [];

    const api = (method: string, path: string, body?: unknown) =>
      tomo.request(method, path, { token, body });

    beforeAll(async () => {
      dataRoot = mkdtempSync(join(tmpdir(), 'tomo-apps-root-'));
      port = await freePort();
      sshd = await startSshd({ rootLogin: true });
      tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0', APPS_DATA_ROOT: dataRoot });
      token = await tomo.login();
      const added = await api('POST', '/api/v1/servers', {
        name: 'this machine',
        hostname: '127.0.0.1',
        port: sshd.port,
        username: 'root',
        auth_type: 'key',
        credential: sshd.rootPrivateKey,
      });
      expect(added.body).toMatchObject({ status: 'online' });
      serverId = added.body.id;
    });

    afterAll(async () => {
      for (const id of created) {
        const short = id.replace(/-/g, '').slice(0, 12);
        const containers = docker('ps', '-aq', '--filter', `label=tomo.installation=${id}`);
        for (const args of [
          ['rm', '-f', ...containers.split(/\s+/).filter(Boolean)],
          ['network', 'rm', `tomo-${short}`],
          ['volume', 'rm', '-f', `tomo-${short}-data`],
        ]) {
          try {
            execFileSync('docker', args, { stdio: 'ignore' });
          } catch {
            // already gone
          }
        }
      }
      await tomo?.stop();
      await sshd?.stop();
      rmSync(dataRoot, { recursive: true, force: true });
    });

    it('deploy_app pulls, creates and starts in order, waits for health, and reports progress', async () => {
      const client = await tomo.mcp(token, '2026');
      const progress: string[] = [];
      try {
        const result = await client.callTool(
          {
            name: 'deploy_app',
            arguments: { server_id: serverId, manifest: demoManifest('demo', port) },
          },
          {
            onprogress: (report) => progress.push(report.message ?? ''),
            timeout: 180_000,
            resetTimeoutOnProgress: true,
          },
        );
        expect(result.isError).toBeFalsy();
        const body = result.structuredContent as any;
        installationId = body.id;
        created.push(installationId);
        expect(body).toMatchObject({
          app_id: 'custom/demo',
          status: 'running',
          method: 'ssh',
          error: null,
        });
        expect(body.services.map((s: any) => `${s.name}:${s.state}`)).toEqual([
          'cache:running',
          'web:running',
        ]);
        expect(body.services.find((s: any) => s.name === 'cache').health).toBe('healthy');
        expect(body.steps.every((step: any) => step.status === 'done')).toBe(true);
        expect(progress).toEqual(
          expect.arrayContaining([
            'Start cache',
            'Start web',
            'Wait for web to be healthy',
            'Running',
          ]),
        );
      } finally {
        await client.close();
      }
      // The bind mount: a file written under ${app_data} on the host is served on the published port.
      writeFileSync(join(dataRoot, 'demo', 'www', 'index.html'), 'served-by-tomo\n');
      expect(await httpGet(port)).toBe('served-by-tomo');
      const web = JSON.parse(
        docker('inspect', `tomo-${installationId.replace(/-/g, '').slice(0, 12)}-web`),
      )[0];
      expect(web.Config.Labels).toMatchObject({
        'tomo.installation': installationId,
        'tomo.app': 'demo',
      });
      // The generated secret reached the container and is stored sealed, never shown back.
      const secret = (web.Config.Env as string[]).find((entry) => entry.startsWith('SECRET='));
      expect(secret).toMatch(/^SECRET=.{20}$/);
      const listed = await api('GET', `/api/v1/apps?server_id=${serverId}`);
      expect(JSON.stringify(listed.body)).not.toContain(secret!.slice('SECRET='.length));
    }, 240_000);

    it('stop, start and restart follow the containers; logs come from the chosen service', async () => {
      const stopped = await api('POST', `/api/v1/apps/${installationId}/stop`);
      expect(stopped.body).toMatchObject({ status: 'stopped' });
      expect(stopped.body.services.map((s: any) => s.state)).toEqual(['exited', 'exited']);
      const started = await api('POST', `/api/v1/apps/${installationId}/start`);
      expect(started.body).toMatchObject({ status: 'running' });
      const restarted = await api('POST', `/api/v1/apps/${installationId}/restart`);
      expect(restarted.body.services.map((s: any) => s.state)).toEqual(['running', 'running']);
      const logs = await api('GET', `/api/v1/apps/${installationId}/logs?service=cache&tail=20`);
      expect(logs.body).toMatchObject({ service: 'cache' });
      expect(logs.body.logs).toContain('cache-ready');
    }, 120_000);

    it('changing apps.data_root moves only new installations: an update keeps the data where it was', async () => {
      const moved = await api('PUT', '/api/v1/settings/system/apps.data_root', {
        value: join(dataRoot, 'elsewhere'),
      });
      expect(moved.status).toBe(200);
      try {
        const updated = await api('PATCH', `/api/v1/apps/${installationId}`, {
          config: { env: { 'web:TZ': 'UTC' } },
        });
        expect(updated.body).toMatchObject({ status: 'running', error: null });
        // The new generation mounts the same host directory, so the page is still served.
        expect(await httpGet(port)).toBe('served-by-tomo');
      } finally {
        await api('DELETE', '/api/v1/settings/system/apps.data_root');
      }
    }, 120_000);

    it('check_status finds a container removed by hand', async () => {
      // By label: an earlier update gave the containers a generation suffix.
      const cache = docker(
        'ps',
        '-aq',
        '--filter',
        `label=tomo.installation=${installationId}`,
        '--filter',
        'label=tomo.service=cache',
      );
      docker('rm', '-f', cache);
      const status = await api('GET', `/api/v1/apps/${installationId}`);
      expect(status.body).toMatchObject({ status: 'failed' });
      expect(status.body.error).toMatch(/cache no longer exist/);
      expect(status.body.services.find((s: any) => s.name === 'cache').state).toBe('missing');
    });

    it('uninstall_app removes containers and network, keeps the data volume unless asked', async () => {
      const removed = await api('DELETE', `/api/v1/apps/${installationId}`);
      expect(removed.body).toMatchObject({ status: 'removed' });
      const left = leftovers(installationId);
      expect(left.containers).toBe('');
      expect(left.networks).toBe('');
      expect(left.volumes).toBe(`tomo-${installationId.replace(/-/g, '').slice(0, 12)}-data`);
    }, 60_000);

    it('a failing healthcheck fails the install at that step and removes everything it created', async () => {
      const manifest = demoManifest('sick', await freePort());
      manifest.services[1]!.healthcheck = {
        test: ['CMD', 'busybox', 'false'],
        interval_s: 1,
        timeout_s: 1,
        retries: 1,
      };
      const response = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, { manifest });
      expect(response.status).toBe(201);
      created.push(response.body.id);
      expect(response.body).toMatchObject({ status: 'failed' });
      expect(response.body.error).toMatch(/^Wait for cache to be healthy: cache is unhealthy/);
      expect(response.body.steps.at(-1)).toMatchObject({
        name: 'Wait for cache to be healthy',
        status: 'failed',
      });
      expect(leftovers(response.body.id)).toEqual({ containers: '', networks: '', volumes: '' });
    }, 120_000);

    it("an image that cannot be pulled fails at the pull step with Docker's message; nothing is created", async () => {
      const manifest = demoManifest('unpullable', await freePort());
      manifest.services[0]!.image = '127.0.0.1:1/nowhere/app:1.0';
      const response = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, { manifest });
      created.push(response.body.id);
      expect(response.body).toMatchObject({ status: 'failed' });
      expect(response.body.error).toMatch(
        /^Pull 127\.0\.0\.1:1\/nowhere\/app:1\.0: Pulling .* failed: /,
      );
      expect(leftovers(response.body.id)).toEqual({ containers: '', networks: '', volumes: '' });
    }, 120_000);

    it('refuses bad manifests and config with every problem named, before touching the server', async () => {
      const bad = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, {
        manifest: {
          ...demoManifest('bad', 1),
          services: [{ name: 'web', image: 'busybox:latest', privileged: true }],
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^manifest\.services\[0\]\.privileged: is not a known key/),
        ]),
      );
      const badConfig = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, {
        manifest: demoManifest('cfg', 1),
        config: { ports: { '9999/tcp': 80 }, volumes: { '/www': '/etc' } },
      });
      expect(badConfig.status).toBe(400);
      expect(badConfig.body.errors.join('\n')).toMatch(/9999\/tcp/);
      expect(badConfig.body.errors.join('\n')).toMatch(/\/www/);
      expect((await api('GET', '/api/v1/apps?status=pending')).body.total).toBe(0);
    });

    it.each([
      ['a service name with a shell metacharacter', { name: 'web;id' }],
      ['a service name that is an option', { name: '-web' }],
      ['an image that is an option', { image: '--privileged' }],
      ['an image with a command after it', { image: 'busybox;id' }],
      ['an image with a line break', { image: 'busybox\nid' }],
      ['an image with a path escape', { image: '../busybox' }],
      ['an env key with a space', { env: { 'A B': '1' } }],
      ['an env key that is an option', { env: { '-e': '1' } }],
      ['an env value with a line break', { env: { A: 'x\ny' } }],
      ['an env value with NUL', { env: { A: 'x\u0000y' } }],
      ['a command argument with a line break', { command: ['busybox', 'echo', 'a\nb'] }],
      ['a bind mount of /etc', { volumes: [{ host: '/etc', container: '/x' }] }],
      [
        'a bind mount escaping the app data',
        { volumes: [{ host: '${app_data}/../..', container: '/x' }] },
      ],
      ['a host port out of range', { ports: [{ container: 80, host: 70000 }] }],
      ['a port that is a string', { ports: [{ container: '80; id', host: 8080 }] }],
      ['a user with a shell metacharacter', { user: 'root;id' }],
      ['a user that is an option', { user: '-0' }],
      ['a healthcheck with a line break', { healthcheck: { test: ['CMD', 'true\nid'] } }],
      ['privileged', { privileged: true }],
      ['host networking', { network_mode: 'host' }],
      ['a forbidden capability', { capabilities: ['SYS_ADMIN'] }],
      ['devices', { devices: ['/dev/sda'] }],
    ])('deploy_app refuses %s (400), with nothing recorded or created', async (_what, change) => {
      const manifest = demoManifest('hostile', 1);
      manifest.services = [
        { name: 'web', image: 'tomo-test/busybox:1.35', ...(change as object) } as never,
      ];
      const response = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, { manifest });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.join('\n')).toMatch(/services\[0\]/);
      expect(
        docker('ps', '-a', '--filter', 'label=tomo.app=hostile', '--format', '{{.Names}}'),
      ).toBe('');
      const apps = await api('GET', '/api/v1/apps?limit=100');
      expect(apps.body.items.some((item: any) => item.app_id === 'custom/hostile')).toBe(false);
    });

    it.each([
      ['an env override with a line break', { env: { SECRET: 'a\nb' } }],
      ['an input with NUL', { inputs: { SECRET: 'a\u0000b' } }],
      ['a volume override outside the data root', { volumes: { '/www': '/' } }],
      ['a volume override escaping it', { volumes: { '/www': `/srv/tomo/apps/../../etc` } }],
      ['a port override that is not a port', { ports: { '8080/tcp': '80; id' } }],
      ['an unknown section', { privileged: true }],
    ])('deploy_app refuses a config with %s (400)', async (_what, config) => {
      const response = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, {
        manifest: demoManifest('hostile-config', await freePort()),
        config,
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.join('\n')).toMatch(/^config\./m);
    });

    it('run_preflight_checks reports the server and a host port already in use; install refuses it', async () => {
      const busyPort = await freePort();
      const listener: Server = createServer();
      await new Promise<void>((resolve) => listener.listen(busyPort, '127.0.0.1', resolve));
      try {
        const config = { ports: { '3001/tcp': busyPort } };
        const report = await api('POST', `/api/v1/servers/${serverId}/apps/preflight`, {
          app_id: 'builtin/uptime-kuma',
          config,
        });
        expect(report.status).toBe(200);
        expect(report.body).toMatchObject({
          success: false,
          docker: { ok: true, method: 'ssh' },
          ports: { [`${busyPort}/tcp`]: 'in_use' },
        });
        expect(report.body.architecture).toMatch(/^(amd64|arm64)$/);
        expect(report.body.disk.free_gb).toBeGreaterThan(0);
        expect(report.body.errors).toEqual([
          `Host port ${busyPort}/tcp (web) is in use; choose another with config.ports["3001/tcp"].`,
        ]);
        const before = (await api('GET', '/api/v1/apps')).body.total;
        const refused = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, {
          manifest: demoManifest('busy', busyPort),
        });
        expect(refused.status).toBe(409);
        expect(refused.body.detail).toMatch(/^Preflight checks failed: Host port/);
        expect((await api('GET', '/api/v1/apps')).body.total).toBe(before);
      } finally {
        listener.close();
      }
    });

    it('admin_only catalog apps are refused to non-admins', async () => {
      const user = await tomo.createUser('deployer', 'user', token);
      const refused = await tomo.request('POST', `/api/v1/servers/${serverId}/apps`, {
        token: user.token,
        body: { app_id: 'builtin/vaultwarden' },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('FORBIDDEN');
    });
  },
);
