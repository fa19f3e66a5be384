import { execFileSync } from 'node:child_process';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshdWithRoot } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

/** What this machine's own Docker says, read directly (not through Tomo). */
function localDocker(): { installed: boolean; server: string | null } {
  try {
    execFileSync('sh', ['-c', 'command -v docker'], { stdio: 'ignore' });
  } catch {
    return { installed: false, server: null };
  }
  try {
    const server = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
      timeout: 10_000,
    }).trim();
    return { installed: true, server };
  } catch {
    return { installed: true, server: null };
  }
}

const INSTALL_TIMEOUT = 15 * 60_000;

/**
 * verify_docker and install_docker over SSH, with this machine as the server (root over a
 * real sshd). Where Docker is absent, install_docker really installs it with apt and starts the
 * daemon; where it already runs (CI provisions it for the agent suites), the install takes the
 * already-installed path and says so.
 */
describeWithSshd('docker: verify and install over SSH', () => {
  let sshd: TestSshdWithRoot;
  let tomo: TestTomo;
  let token: string;
  let rootServer: string;
  const before = localDocker();

  const api = (method: string, path: string) => tomo.request(method, path, { token });

  beforeAll(async () => {
    sshd = await startSshd({ rootLogin: true });
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
    const added = await tomo.request('POST', '/api/v1/servers', {
      token,
      body: {
        name: 'this machine',
        hostname: '127.0.0.1',
        port: sshd.port,
        username: 'root',
        auth_type: 'key',
        credential: sshd.rootPrivateKey,
      },
    });
    expect(added.body).toMatchObject({ status: 'online', username: 'root' });
    rootServer = added.body.id;
  });

  afterAll(async () => {
    await tomo?.stop();
    await sshd?.stop();
  });

  it('verify_docker reports what the machine has', async () => {
    const response = await api('GET', `/api/v1/servers/${rootServer}/docker`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      installed: before.installed,
      running: before.server !== null,
    });
    if (!before.installed) expect(response.body.error).toMatch(/not installed/);
  });

  it(
    'install_docker installs and starts the engine, reporting progress, then verifies it',
    async () => {
      const client = await tomo.mcp(token, '2026');
      const progress: { progress: number; total?: number; message?: string }[] = [];
      try {
        const result = await client.callTool(
          { name: 'install_docker', arguments: { server_id: rootServer } },
          {
            onprogress: (report) => progress.push(report),
            timeout: INSTALL_TIMEOUT,
            resetTimeoutOnProgress: true,
          },
        );
        expect(result.structuredContent).toMatchObject({ success: true });
        const body = result.structuredContent as {
          already_installed: boolean;
          steps: { title: string; success: boolean }[];
          docker: { running: boolean; version: string };
        };
        expect(body.docker).toMatchObject({ installed: true, running: true });
        expect(body.already_installed).toBe(before.server !== null);
        if (before.server === null) {
          // The real installation path: packages installed, daemon started.
          expect(body.steps.map((step) => step.title)).toEqual([
            'Install the Docker engine (debian packages)',
            'Install Docker Compose',
            'Enable and start the Docker daemon',
          ]);
          expect(progress.map((p) => p.message)).toEqual(
            expect.arrayContaining(['Install the Docker engine (debian packages)', 'Verifying']),
          );
        } else {
          console.warn(
            'docker.e2e: Docker already runs on this machine (scripts/provision-docker.sh), so install_docker took its already-installed path; the installation itself runs only where Docker is absent.',
          );
        }
        expect(progress.length).toBeGreaterThanOrEqual(2);
        expect(progress.at(-1)).toMatchObject({ progress: 5, total: 5 });
      } finally {
        await client.close();
      }
      const audit = await api(
        'GET',
        `/api/v1/audit?action=server.docker_installed&target_id=${rootServer}`,
      );
      expect(audit.body.items[0]).toMatchObject({ result: 'success', interface: 'mcp' });
    },
    INSTALL_TIMEOUT,
  );

  it('verify_docker agrees with the real engine', async () => {
    const engine = localDocker();
    expect(engine.server).not.toBeNull();
    const response = await api('GET', `/api/v1/servers/${rootServer}/docker`);
    expect(response.body).toMatchObject({
      installed: true,
      running: true,
      version: engine.server,
      api_version: expect.stringMatching(/^1\.\d+$/),
      error: null,
    });
    const server = (await api('GET', `/api/v1/servers/${rootServer}`)).body;
    expect(server).toMatchObject({ docker_installed: true, docker_version: engine.server });
  });

  it('a user that is neither root nor a sudoer gets a clear refusal', async () => {
    const added = await tomo.request('POST', '/api/v1/servers', {
      token,
      body: {
        hostname: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        credential: sshd.password,
      },
    });
    expect(added.body.status).toBe('online');
    const response = await api('POST', `/api/v1/servers/${added.body.id}/docker`);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ code: 'REMOTE_FAILED' });
    expect(response.body.detail).toMatch(/not root and cannot use sudo without a password/);
  });
});
