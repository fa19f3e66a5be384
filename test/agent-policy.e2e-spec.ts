import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConnection } from '../src/agents/gateway/agent-connection';
import { AgentConnections } from '../src/agents/gateway/agent-connections';
import { describeWithDocker } from './support/infra';
import { TestTomo } from './support/tomo-harness';

const DAEMON_JS = join(__dirname, '..', 'dist', 'src', 'daemon', 'main.js');
const IMAGE = 'tomo-test/busybox:1.35';

const docker = (...args: string[]): string =>
  execFileSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).trim();

/** Every container, running or not, with exactly this name. */
const containersNamed = (name: string): string =>
  docker('ps', '-a', '--filter', `name=^/${name}$`, '--format', '{{.Names}}');

/**
 * The agent-side policy of AGENT_PROTOCOL.md §4 end to end: the real tomo-agent process (built,
 * as users run it) connected to the real backend, a real Docker engine behind it, and
 * `docker.containers.run` sent from the backend's own RPC client. Each forbidden request comes
 * back as AGENT_POLICY_REFUSED and leaves no container behind; an allowed one runs.
 */
describeWithDocker('agent policy: docker.containers.run refusals through the backend', () => {
  const prefix = `tomo-policy-${randomBytes(4).toString('hex')}`;
  let tomo: TestTomo;
  let token: string;
  let serverId: string;
  let stateDirectory: string;
  let daemon: ChildProcess | undefined;
  let daemonOutput = '';
  let containers = 0;

  const api = (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token, body });
  const connection = (): AgentConnection | undefined =>
    tomo.tomo.app.get(AgentConnections).forServer(serverId);
  const run = (params: Record<string, unknown>) => {
    const agent = connection();
    if (!agent) throw new Error(`the agent is not connected; its output:\n${daemonOutput}`);
    return agent.request<{ id: string; name: string; container_id: string }>(
      'docker.containers.run',
      params,
      60_000,
    );
  };
  const nextName = () => `${prefix}-${++containers}`;

  beforeAll(async () => {
    docker('image', 'inspect', IMAGE, '--format', '{{.Id}}'); // provisioned by scripts/provision-docker.sh
    stateDirectory = mkdtempSync(join(tmpdir(), 'tomo-policy-agent-'));
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
    const added = await api('POST', '/api/v1/servers', {
      hostname: '127.0.0.1',
      port: 1,
      username: 'nobody',
      credential: 'unused',
    });
    serverId = added.body.id;
    const issued = await api('POST', `/api/v1/servers/${serverId}/agent`);
    const server = `${tomo.url.replace(/^http/, 'ws')}/ws/agent`;
    // Without --allow-host-network: network "host" must be refused.
    daemon = spawn(
      process.execPath,
      [
        DAEMON_JS,
        '--server',
        server,
        '--code',
        issued.body.registration_code,
        '--state-file',
        join(stateDirectory, 'state.json'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    daemon.stdout?.on('data', (chunk: Buffer) => (daemonOutput += chunk.toString()));
    daemon.stderr?.on('data', (chunk: Buffer) => (daemonOutput += chunk.toString()));
    const deadline = Date.now() + 15_000;
    while (!connection() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!connection()) throw new Error(`the agent did not connect; its output:\n${daemonOutput}`);
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      // SIGTERM: the daemon says agent.shutdown and exits 0; SIGKILL if it has not in 5 s.
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise((resolve) => daemon?.once('exit', resolve));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    const left = docker('ps', '-aq', '--filter', `name=^/${prefix}-`);
    if (left) docker('rm', '-f', ...left.split('\n'));
    await tomo?.stop();
    if (stateDirectory) rmSync(stateDirectory, { recursive: true, force: true });
  });

  const base = () => ({ image: IMAGE, name: nextName(), command: ['sleep', '300'] });

  it.each<[string, Record<string, unknown>, string]>([
    ['a privileged container', { privileged: true }, 'agent policy: privileged'],
    ['cap_add SYS_ADMIN', { cap_add: ['SYS_ADMIN'] }, 'agent policy: capabilities'],
    [
      'the Docker socket mounted, even read-only',
      { volumes: [{ host: '/var/run/docker.sock', container: '/docker.sock', mode: 'ro' }] },
      'agent policy: docker socket',
    ],
    [
      '/etc mounted read-write',
      { volumes: [{ host: '/etc', container: '/host/etc', mode: 'rw' }] },
      'agent policy: system paths',
    ],
    ['the host PID namespace', { pid_mode: 'host' }, 'agent policy: host namespaces'],
    [
      'network "host" without --allow-host-network',
      { network: 'host' },
      'agent policy: host network',
    ],
  ])(
    'refuses %s with AGENT_POLICY_REFUSED and creates no container',
    async (_case, extra, rule) => {
      const params = { ...base(), ...extra };
      await expect(run(params)).rejects.toMatchObject({
        code: 'AGENT_POLICY_REFUSED',
        message: expect.stringContaining(rule),
      });
      expect(containersNamed(params.name)).toBe('');
    },
  );

  it('runs an allowed container (a read-only mount of /etc), created and started', async () => {
    const params = {
      ...base(),
      volumes: [{ host: '/etc', container: '/host/etc', mode: 'ro' }],
      labels: { 'tomo.test': prefix },
    };
    const result = await run(params);
    expect(result).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      name: params.name,
      container_id: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(containersNamed(params.name)).toBe(params.name);
    const [inspected] = JSON.parse(docker('inspect', params.name)) as {
      Id: string;
      State: { Running: boolean };
      HostConfig: { Privileged: boolean };
      Mounts: { Source: string; Destination: string; RW: boolean }[];
      Config: { Labels: Record<string, string> };
    }[];
    expect(inspected?.Id).toBe(result.container_id);
    expect(inspected?.State.Running).toBe(true);
    expect(inspected?.HostConfig.Privileged).toBe(false);
    expect(inspected?.Mounts).toEqual([
      expect.objectContaining({ Source: '/etc', Destination: '/host/etc', RW: false }),
    ]);
    expect(inspected?.Config.Labels).toMatchObject({ 'tomo.test': prefix });
    docker('rm', '-f', params.name);
    expect(containersNamed(params.name)).toBe('');
  });
});
