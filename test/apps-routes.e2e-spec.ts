import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/free-port';
import { CatalogRepo, gitAvailable } from './support/git-catalog';
import { describeWith, dockerRequirement, sshdRequirement } from './support/infra';
import { containersOf, docker, httpGet, shortId as short } from './support/installed-apps';
import { ProtocolAgent } from './support/protocol-agent';
import { registryRequirement, TestRegistry } from './support/registry';
import { startSshd, TestSshdWithRoot } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

const AGENT_BUNDLE = join(__dirname, '..', 'dist', 'agent', 'tomo-agent.cjs');

/** What Docker has for an installation: container names (by label), its network. */
function leftovers(installationId: string) {
  return {
    containers: containersOf(installationId),
    networks: docker('network', 'ls', '--filter', `name=tomo-${short(installationId)}`, '-q'),
  };
}

/**
 * The shell traps TERM so `docker stop` takes no 10 s grace period (PID 1 ignores it otherwise).
 * One service serving $GREETING; with FAIL=1 it never listens, so its healthcheck fails.
 * `busybox <applet>` throughout: the test image links only a few applets.
 */
function helloApp(image: string, version: string, greeting: string): string {
  return `manifest_version: 1
id: hello
name: Hello
version: "${version}"
description: Greets on a web page.
category: utility
tags: [demo]
services:
  - name: web
    image: ${image}
    command: [busybox, sh, -c, 'trap "exit 0" TERM; if [ "$FAIL" = 1 ]; then busybox sleep 600 & wait; fi; busybox mkdir -p /www; echo "$GREETING" > /www/index.html; busybox httpd -f -p 8080 -h /www & wait']
    env: {GREETING: "${greeting}", FAIL: "0"}
    ports: [{container: 8080, host: null, main: true}]
    healthcheck: {test: [CMD, busybox, wget, -q, -O-, "http://127.0.0.1:8080/"], interval_s: 1, timeout_s: 2, retries: 2}
`;
}

/** A web service that copies its page from a dependency it reaches by its service name. */
function duoApp(image: string): string {
  return `manifest_version: 1
id: duo
name: Duo
version: "1.0.0"
description: A web page served from a second service.
category: utility
services:
  - name: web
    image: ${image}
    command: [busybox, sh, -c, 'trap "exit 0" TERM; busybox mkdir -p /www; until busybox wget -q -O /www/index.html http://cache:8081/; do busybox sleep 0.2; done; busybox httpd -f -p 8080 -h /www & wait']
    ports: [{container: 8080, host: null, main: true}]
    depends_on: [cache]
  - name: cache
    image: ${image}
    command: [busybox, sh, -c, 'trap "exit 0" TERM; busybox mkdir -p /srv; echo from-cache > /srv/index.html; busybox httpd -f -p 8081 -h /srv & wait']
    healthcheck: {test: [CMD, busybox, wget, -q, -O-, "http://127.0.0.1:8081/"], interval_s: 1, timeout_s: 2, retries: 3}
`;
}

const gitRequirement = { name: 'git', available: gitAvailable(), reason: 'needs the git CLI' };

/**
 * Catalog apps installed for real through both routes (with the install's progress followed live
 * on /ws/events): a git catalog (a real repository synced
 * by Tomo) whose images live in a real registry on loopback, this machine as the server (root
 * over a real sshd), and the real agent bundle started with --no-exec, so the agent route can
 * only use its docker.* methods. Install a one-service and a two-service app, curl them, update
 * (new version; a failing update rolled back), uninstall with nothing left; then, the agent
 * stopped, the same through SSH.
 */
describeWith(
  sshdRequirement(),
  dockerRequirement(),
  registryRequirement(),
  gitRequirement,
)('apps from a git catalog through the agent and through SSH', () => {
  let registry: TestRegistry;
  let sshd: TestSshdWithRoot;
  let tomo: TestTomo;
  let token: string;
  let serverId: string;
  let root: string;
  let repo: CatalogRepo;
  let repositoryId: string;
  let agent: ChildProcess | undefined;
  let agentOutput = '';
  let image1: string;
  let image2: string;
  const installations: string[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token, body });

  async function agentConnected(want: boolean): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const body = (await api('GET', `/api/v1/servers/${serverId}/agent`)).body;
      if ((body.status === 'connected') === want) return;
      if (Date.now() > deadline) {
        throw new Error(`agent status ${JSON.stringify(body)}; output: ${agentOutput}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function catalogId(appId: string): Promise<string> {
    const found = await api('GET', `/api/v1/marketplace/apps?query=${appId}`);
    const item = found.body.items.find((entry: any) => entry.app_id === appId);
    expect(item).toBeDefined();
    return item.id;
  }

  async function install(appId: string, hostPort: number) {
    const response = await api('POST', `/api/v1/servers/${serverId}/apps`, {
      app_id: await catalogId(appId),
      config: { ports: { '8080/tcp': hostPort } },
    });
    expect(response.status).toBe(201);
    installations.push(response.body.id);
    return response.body;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tomo-routes-'));
    registry = await TestRegistry.start();
    image1 = registry.push('tomo-test/busybox:1.35', 'tomo-test/web:1.0');
    image2 = registry.push('tomo-test/busybox:1.35', 'tomo-test/web:2.0');
    repo = new CatalogRepo(root);
    repo.write('apps/hello/app.yaml', helloApp(image1, '1.0.0', 'hello-v1'));
    repo.write('apps/duo/app.yaml', duoApp(image1));
    repo.commit('hello and duo');
    sshd = await startSshd({ rootLogin: true });
    tomo = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      APPS_DATA_ROOT: join(root, 'apps'),
    });
    token = await tomo.login();
    const added = await api('POST', '/api/v1/servers', {
      name: 'this machine',
      hostname: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      auth_type: 'key',
      credential: sshd.rootPrivateKey,
    });
    serverId = added.body.id;
    const repository = await api('POST', '/api/v1/marketplace/repositories', {
      name: 'Routes',
      url: `file://${repo.bare}`,
    });
    expect(repository.body.sync_error).toBeNull();
    repositoryId = repository.body.repository.id;
    const issued = (await api('POST', `/api/v1/servers/${serverId}/agent`)).body;
    agent = spawn(
      process.execPath,
      [
        AGENT_BUNDLE,
        '--server',
        `${tomo.url.replace(/^http/, 'ws')}/ws/agent`,
        '--code',
        issued.registration_code,
        '--state-file',
        join(root, 'agent-state.json'),
        '--no-exec',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    agent.stdout?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));
    agent.stderr?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));
    await agentConnected(true);
  }, 120_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    for (const id of installations) {
      for (const name of leftovers(id).containers) docker('rm', '-f', name);
      try {
        execFileSync('docker', ['network', 'rm', `tomo-${short(id)}`], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    for (const image of [image1, image2]) {
      try {
        execFileSync('docker', ['rmi', image], { stdio: 'ignore' });
      } catch {
        // never pulled
      }
    }
    await tomo?.stop();
    await sshd?.stop();
    registry?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  describe('through the agent (started with --no-exec: docker.* methods only)', () => {
    let hello: any;
    let helloPort: number;

    it('install_app pulls the image from the registry and serves the app; progress is live on /ws/events', async () => {
      expect(() => docker('image', 'inspect', image1)).toThrow();
      const live = await ProtocolAgent.connect(`${tomo.url.replace(/^http/, 'ws')}/ws/events`);
      live.send({ type: 'authenticate', token });
      await live.next((frame) => frame.type === 'authenticated');
      live.send({ type: 'subscribe', events: ['installation.*'] });
      await live.next((frame) => frame.type === 'subscribed');
      helloPort = await freePort();
      hello = await install('hello', helloPort);
      const mine = (name: string) =>
        live.frames
          .filter((frame) => frame.event === name && frame.data.installation_id === hello.id)
          .map((frame) => frame.data);
      expect(mine('installation.status').map((data) => data.status)).toEqual([
        'pulling',
        'creating',
        'starting',
        'running',
      ]);
      expect(mine('installation.progress').map((data) => data.message)).toEqual(
        expect.arrayContaining([`Pull ${image1}`, 'Start web', 'Running']),
      );
      live.socket.close();
      expect(hello).toMatchObject({ status: 'running', method: 'agent', version: '1.0.0' });
      expect(hello.steps[0]).toMatchObject({ name: `Pull ${image1}`, status: 'done' });
      expect(docker('image', 'inspect', '--format', '{{.Id}}', image1)).toMatch(/^sha256:/);
      expect(await httpGet(helloPort)).toBe('hello-v1');
      const inspected = JSON.parse(docker('inspect', `tomo-${short(hello.id)}-web`))[0];
      expect(inspected.Config.Labels).toMatchObject({
        'tomo.installation': hello.id,
        'tomo.app': 'hello',
      });
    }, 180_000);

    it('a two-service app: the web service reaches its dependency by name', async () => {
      const port = await freePort();
      const duo = await install('duo', port);
      expect(duo).toMatchObject({ status: 'running', method: 'agent' });
      expect(duo.services.map((s: any) => `${s.name}:${s.state}`)).toEqual([
        'cache:running',
        'web:running',
      ]);
      expect(await httpGet(port)).toBe('from-cache');
      const stopped = await api('POST', `/api/v1/apps/${duo.id}/stop`);
      expect(stopped.body.services.map((s: any) => s.state)).toEqual(['exited', 'exited']);
      const started = await api('POST', `/api/v1/apps/${duo.id}/start`);
      expect(started.body).toMatchObject({ status: 'running' });
      const removed = await api('DELETE', `/api/v1/apps/${duo.id}`);
      expect(removed.body).toMatchObject({ status: 'removed', method: 'agent' });
      expect(leftovers(duo.id)).toEqual({ containers: [], networks: '' });
    }, 180_000);

    it('update_app moves to the catalog’s new version; the old containers are gone', async () => {
      repo.write('apps/hello/app.yaml', helloApp(image2, '2.0.0', 'hello-v2'));
      repo.commit('hello 2.0.0');
      await api('POST', `/api/v1/marketplace/repositories/${repositoryId}/sync`);
      const client = await tomo.mcp(token, '2026');
      const progress: string[] = [];
      try {
        const result = await client.callTool(
          { name: 'update_app', arguments: { installation_id: hello.id } },
          {
            onprogress: (report) => progress.push(report.message ?? ''),
            timeout: 180_000,
            resetTimeoutOnProgress: true,
          },
        );
        expect(result.structuredContent).toMatchObject({
          status: 'running',
          version: '2.0.0',
          method: 'agent',
          error: null,
        });
      } finally {
        await client.close();
      }
      expect(progress).toEqual(
        expect.arrayContaining([
          `Pull ${image2}`,
          'Stop the current containers',
          'Remove the previous containers',
        ]),
      );
      expect(await httpGet(helloPort)).toBe('hello-v2');
      expect(leftovers(hello.id).containers).toEqual([`tomo-${short(hello.id)}-web.1`]);
    }, 180_000);

    it('an update whose new containers fail their healthcheck is rolled back', async () => {
      const response = await api('PATCH', `/api/v1/apps/${hello.id}`, {
        config: { env: { FAIL: '1' } },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'running', version: '2.0.0' });
      expect(response.body.error).toMatch(
        /^Update to 2\.0\.0 failed at Wait for web to be healthy: web is unhealthy.*version 2\.0\.0 is back as it was\.$/,
      );
      expect(response.body.steps.at(-1)).toMatchObject({
        name: 'Roll back to the previous containers',
        status: 'done',
      });
      expect(await httpGet(helloPort)).toBe('hello-v2');
      expect(leftovers(hello.id).containers).toEqual([`tomo-${short(hello.id)}-web.1`]);
      // The failed config was not kept: a later update starts from the working one.
      const status = await api('GET', `/api/v1/apps/${hello.id}`);
      expect(status.body).toMatchObject({ status: 'running', version: '2.0.0' });
    }, 180_000);

    it('two updates at once: one runs, the other is refused with CONFLICT', async () => {
      const [first, second] = await Promise.all([
        api('PATCH', `/api/v1/apps/${hello.id}`, { config: { env: { GREETING: 'hello-v2' } } }),
        api('PATCH', `/api/v1/apps/${hello.id}`, { config: { env: { GREETING: 'hello-v2' } } }),
      ]);
      expect([first.status, second.status].sort()).toEqual([200, 409]);
      const done = first.status === 200 ? first : second;
      expect(done.body).toMatchObject({ status: 'running', error: null });
      expect(await httpGet(helloPort)).toBe('hello-v2');
      expect(leftovers(hello.id).containers).toEqual([`tomo-${short(hello.id)}-web.2`]);
    }, 120_000);

    it('update_app refuses hostile config like deploy_app does, and changes nothing', async () => {
      const before = leftovers(hello.id).containers;
      for (const config of [
        { env: { GREETING: 'x\nid' } },
        { volumes: { '/www': '/etc' } },
        { ports: { '8080/tcp': 70000 } },
        { inputs: { NOPE: '1' } },
        { privileged: true },
      ]) {
        const response = await api('PATCH', `/api/v1/apps/${hello.id}`, { config });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      const refused = await api('PATCH', `/api/v1/apps/${hello.id}`, { version: '9.9.9' });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toMatch(/the catalog has Hello 2\.0\.0, not 9\.9\.9/);
      expect(leftovers(hello.id).containers).toEqual(before);
      expect((await api('GET', `/api/v1/apps/${hello.id}`)).body).toMatchObject({
        status: 'running',
        version: '2.0.0',
      });
    }, 60_000);

    it('an image the registry does not have fails at the pull step; nothing is left', async () => {
      const manifest = {
        manifest_version: 1,
        id: 'ghost',
        name: 'Ghost',
        version: '1.0.0',
        services: [{ name: 'web', image: `${registry.host}/tomo-test/ghost:1.0` }],
      };
      const response = await api('POST', `/api/v1/servers/${serverId}/apps/custom`, {
        manifest,
      });
      installations.push(response.body.id);
      expect(response.body).toMatchObject({ status: 'failed', method: 'agent' });
      expect(response.body.error).toMatch(
        new RegExp(`^Pull ${registry.host}/tomo-test/ghost:1\\.0: .*(not found|unknown)`, 'i'),
      );
      expect(leftovers(response.body.id)).toEqual({ containers: [], networks: '' });
    }, 120_000);

    it('uninstall_app removes the app through the agent', async () => {
      const removed = await api('DELETE', `/api/v1/apps/${hello.id}`);
      expect(removed.body).toMatchObject({ status: 'removed', method: 'agent' });
      expect(leftovers(hello.id)).toEqual({ containers: [], networks: '' });
    }, 60_000);
  });

  describe('through SSH (the agent stopped)', () => {
    beforeAll(async () => {
      agent?.kill('SIGTERM');
      await agentConnected(false);
    }, 60_000);

    it('installs, updates and uninstalls the same catalog apps with the same names and labels', async () => {
      const port = await freePort();
      const duo = await install('duo', port);
      expect(duo).toMatchObject({ status: 'running', method: 'ssh' });
      expect(await httpGet(port)).toBe('from-cache');
      expect(leftovers(duo.id).containers).toEqual([
        `tomo-${short(duo.id)}-cache`,
        `tomo-${short(duo.id)}-web`,
      ]);
      const helloPort = await freePort();
      const hello = await install('hello', helloPort);
      expect(hello).toMatchObject({ status: 'running', method: 'ssh', version: '2.0.0' });
      const failed = await api('PATCH', `/api/v1/apps/${hello.id}`, {
        config: { env: { FAIL: '1' } },
      });
      expect(failed.body.error).toMatch(/^Update to 2\.0\.0 failed at Wait for web/);
      expect(await httpGet(helloPort)).toBe('hello-v2');
      const changed = await api('PATCH', `/api/v1/apps/${hello.id}`, {
        config: { env: { GREETING: 'hello-over-ssh' } },
      });
      expect(changed.body).toMatchObject({ status: 'running', method: 'ssh', error: null });
      expect(await httpGet(helloPort)).toBe('hello-over-ssh');
      for (const id of [duo.id, hello.id]) {
        const removed = await api('DELETE', `/api/v1/apps/${id}`);
        expect(removed.body).toMatchObject({ status: 'removed', method: 'ssh' });
        expect(leftovers(id)).toEqual({ containers: [], networks: '' });
      }
    }, 300_000);
  });
});
