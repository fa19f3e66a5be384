import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/free-port';
import { spawnTomo, SpawnedTomo } from './support/spawn-tomo';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/tomo-harness';

const DAEMON_JS = join(__dirname, '..', 'dist', 'src', 'daemon', 'main.js');

interface Daemon {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The real tomo-agent process against the real backend (the built server, as users run both):
 * registration, restart with the stored token, commands routed through the agent, the backend
 * killed with SIGKILL and back, the agent killed with SIGKILL, revocation.
 */
describe('agent daemon: tomo-agent against the backend', () => {
  let dataDirectory: string;
  let stateDirectory: string;
  let port: number;
  let tomo: SpawnedTomo | undefined;
  let url: string;
  let token: string;
  let serverId: string;
  const daemons: Daemon[] = [];

  const env = () => ({
    APP_ENV: 'test',
    DATA_DIRECTORY: dataDirectory,
    PORT: String(port),
    TOMO_ADMIN_USERNAME: ADMIN_USERNAME,
    TOMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SERVER_CHECK_INTERVAL_SECONDS: '0',
    AGENT_HEARTBEAT_INTERVAL_SECONDS: '1',
    AGENT_HEARTBEAT_TIMEOUT_SECONDS: '3',
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async function startBackend(): Promise<void> {
    tomo = spawnTomo(env());
    url = await tomo.ready;
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;
  }

  function startDaemon(args: string[], stateFile = join(stateDirectory, 'state.json')): Daemon {
    const child = spawn(process.execPath, [DAEMON_JS, '--state-file', stateFile, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const daemon = {
      process: child,
      output: () => output,
      exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    };
    daemons.push(daemon);
    return daemon;
  }

  async function agentStatus(want: string, ms = 15_000): Promise<any> {
    const deadline = Date.now() + ms;
    let body: any;
    do {
      body = (await call('GET', `/api/v1/servers/${serverId}/agent`)).body;
      if (body.status === want) return body;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (Date.now() < deadline);
    throw new Error(`agent status stayed ${JSON.stringify(body)}, wanted ${want}`);
  }

  async function connectedAgents(): Promise<number> {
    return (await call('GET', '/api/v1/agents?status=connected')).body.total as number;
  }

  async function waitFor(check: () => Promise<boolean>, what: string, ms = 20_000) {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-agent-e2e-'));
    stateDirectory = mkdtempSync(join(tmpdir(), 'tomo-agent-state-'));
    port = await freePort();
    await startBackend();
    const added = await call('POST', '/api/v1/servers', {
      hostname: '127.0.0.1',
      port: 1,
      username: 'nobody',
      credential: 'unused',
    });
    serverId = added.body.id;
  });

  afterAll(async () => {
    for (const daemon of daemons) {
      if (daemon.process.exitCode === null) daemon.process.kill('SIGKILL');
    }
    await tomo?.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
    rmSync(stateDirectory, { recursive: true, force: true });
  });

  it('registers with the one-time code and keeps its token in a 0600 state file', async () => {
    const issued = (await call('POST', `/api/v1/servers/${serverId}/agent`)).body;
    const [, server] = /--server '([^']+)'/.exec(issued.command) ?? [];
    expect(server).toBe(`ws://127.0.0.1:${port}/ws/agent`);
    startDaemon(['--server', server!, '--code', issued.registration_code]);
    const status = await agentStatus('connected');
    expect(status).toMatchObject({ id: issued.agent_id, connected: true });
    const state = JSON.parse(readFileSync(join(stateDirectory, 'state.json'), 'utf8'));
    expect(state).toMatchObject({ agent_id: issued.agent_id, server_url: server });
    expect(state.token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(statSync(join(stateDirectory, 'state.json')).mode & 0o777).toBe(0o600);
    for (const daemon of daemons) expect(daemon.output()).not.toContain(issued.registration_code);
  });

  it('answers ping_agent and runs execute_command through the agent', async () => {
    const ping = await call('POST', `/api/v1/servers/${serverId}/agent/ping`);
    expect(ping.body).toMatchObject({ success: true, version: expect.any(String) });
    const run = await call('POST', `/api/v1/servers/${serverId}/commands`, {
      command: 'echo "from $(id -un) via agent"',
    });
    expect(run.body).toMatchObject({ success: true, method: 'agent', exit_code: 0 });
    expect(run.body.output).toMatch(/via agent/);
    const methods = await call('GET', `/api/v1/servers/${serverId}/execution-methods`);
    expect(methods.body.preferred).toBe('agent');
  });

  it('every agent reconnects with its stored token after the backend is killed and restarted', async () => {
    // Two more servers with their own agents, so "every agent" means more than one.
    for (const [name, port] of [
      ['second', 2],
      ['third', 3],
    ] as const) {
      const added = await call('POST', '/api/v1/servers', {
        name,
        hostname: '127.0.0.1',
        port, // one server per user@host:port; nothing listens there
        username: 'nobody',
        credential: 'unused',
      });
      const issued = (await call('POST', `/api/v1/servers/${added.body.id}/agent`)).body;
      startDaemon(
        ['--server', issued.server_url, '--code', issued.registration_code],
        join(stateDirectory, `${name}.json`),
      );
    }
    await waitFor(async () => (await connectedAgents()) === 3, 'three connected agents');
    const pending = call('POST', `/api/v1/servers/${serverId}/commands`, {
      command: `sleep 3; echo once >> ${join(stateDirectory, 'ran.txt')}`,
      method: 'agent',
    }).catch((error: Error) => ({ status: 0, body: { error: error.message } }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    tomo!.process.kill('SIGKILL');
    await tomo!.exited;
    const failed = await pending;
    expect(failed.status).toBe(0); // the HTTP connection died with the backend
    await startBackend();
    const status = await agentStatus('connected', 20_000);
    expect(status.connected).toBe(true);
    await waitFor(async () => (await connectedAgents()) === 3, 'all three agents back');
    // The command the backend lost is not re-sent by anyone: it ran at most once.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const ranFile = join(stateDirectory, 'ran.txt');
    const ran = existsSync(ranFile) ? readFileSync(ranFile, 'utf8') : '';
    expect(ran.split('\n').filter(Boolean).length).toBeLessThanOrEqual(1);
  });

  it('a command in flight when the agent is killed fails with AGENT_DISCONNECTED; the agent shows disconnected', async () => {
    const daemon = daemons[0]!; // the agent of serverId
    const pending = call('POST', `/api/v1/servers/${serverId}/commands`, {
      command: 'sleep 30',
      method: 'agent',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    daemon.process.kill('SIGKILL');
    const failed = await pending;
    expect(failed.status).toBe(503);
    expect(failed.body.code).toBe('AGENT_DISCONNECTED');
    await agentStatus('disconnected', 5000);
    // Without the agent, auto falls back to SSH (this server has none: unreachable).
    const fallback = await call('POST', `/api/v1/servers/${serverId}/commands`, {
      command: 'true',
    });
    expect(fallback.body.code).toBe('SSH_UNREACHABLE');
  });

  it('restarts from the state file alone and authenticates; revocation stops it for good', async () => {
    const daemon = startDaemon([]);
    await agentStatus('connected');
    expect((await call('DELETE', `/api/v1/servers/${serverId}/agent`)).body).toEqual({
      success: true,
    });
    expect(await daemon.exited).toBe(3);
    expect(daemon.output()).toMatch(/revoked/);
    await agentStatus('revoked', 2000);
  });
});
