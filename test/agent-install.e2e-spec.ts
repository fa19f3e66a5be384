import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshdWithRoot } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

const INSTALL_DIR = '/opt/tomo-agent';
const INSTALL_TIMEOUT = 5 * 60_000;

/** Processes on this machine running the installed agent or its supervisor. */
function installedAgentProcesses(): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(`${INSTALL_DIR}/`)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * install_agent and uninstall_agent over a real sshd, with this machine as the server (root over
 * SSH): the real bundle and Node.js runtime are copied, the real daemon starts under the
 * supervisor (or systemd where it runs) and dials the backend.
 */
describeWithSshd('agent install: install_agent and uninstall_agent over SSH', () => {
  let sshd: TestSshdWithRoot;
  let tomo: TestTomo;
  let token: string;
  let serverId: string;
  let userServerId: string;

  const api = (method: string, path: string) => tomo.request(method, path, { token });

  beforeAll(async () => {
    if (existsSync(INSTALL_DIR) || installedAgentProcesses().length > 0) {
      throw new Error(
        `${INSTALL_DIR} or an agent running from it already exists on this machine; this suite installs there and would replace it.`,
      );
    }
    sshd = await startSshd({ rootLogin: true });
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
    const add = async (username: string, credential: string) => {
      const added = await tomo.request('POST', '/api/v1/servers', {
        token,
        body: {
          name: `this machine as ${username === 'root' ? 'root' : 'a plain user'}`,
          hostname: '127.0.0.1',
          port: sshd.port,
          username,
          auth_type: 'key',
          credential,
        },
      });
      expect(added.body).toMatchObject({ status: 'online' });
      return added.body.id as string;
    };
    serverId = await add('root', sshd.rootPrivateKey);
    userServerId = await add(sshd.username, sshd.privateKey);
  });

  afterAll(async () => {
    // Whatever a failed test left behind: the processes this suite started, then the files.
    for (const { pid } of installedAgentProcesses()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const path of [INSTALL_DIR, '/etc/tomo-agent', '/var/lib/tomo-agent']) {
      rmSync(path, { recursive: true, force: true });
    }
    rmSync('/var/log/tomo-agent.log', { force: true });
    rmSync('/run/tomo-agent.pid', { force: true });
    await tomo?.stop();
    await sshd?.stop();
  });

  it('refuses a login that is neither root nor allowed passwordless sudo, copying nothing', async () => {
    const response = await api('POST', `/api/v1/servers/${userServerId}/agent/install`);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ code: 'REMOTE_FAILED' });
    expect(response.body.detail).toMatch(/not root and cannot use sudo/);
    expect(existsSync(INSTALL_DIR)).toBe(false);
    // Nothing was registered either: the server still has no agent.
    expect((await api('GET', `/api/v1/servers/${userServerId}/agent`)).status).toBe(404);
  });

  it(
    'copies the agent and its runtime, starts it, waits until it is connected and reports progress',
    async () => {
      const client = await tomo.mcp(token, '2026');
      const progress: { progress: number; total?: number; message?: string }[] = [];
      try {
        const result = await client.callTool(
          { name: 'install_agent', arguments: { server_id: serverId } },
          {
            onprogress: (report) => progress.push(report),
            timeout: INSTALL_TIMEOUT,
            resetTimeoutOnProgress: true,
          },
        );
        expect(result.isError).toBeFalsy();
        const body = result.structuredContent as any;
        const systemd = existsSync('/run/systemd/system');
        expect(body).toMatchObject({
          success: true,
          service: systemd ? 'systemd' : 'supervised',
          runtime: 'bundled',
          install_dir: INSTALL_DIR,
          agent: { server_id: serverId, status: 'connected', connected: true },
        });
        expect(body.steps.every((step: { success: boolean }) => step.success)).toBe(true);
        expect(progress.map((report) => report.message)).toEqual([
          'Checking the server',
          'Copying the agent',
          'Registering the agent',
          systemd ? 'Installing the systemd service' : 'Installing the supervisor',
          'Starting the agent',
          'Waiting for the agent to connect',
          'The agent is connected',
        ]);
      } finally {
        await client.close();
      }

      // What is on the server: the runtime is this backend's Node.js, byte for byte; the
      // environment file (with the spent code) and the state file (with the token) are 0600.
      expect(sha256File(`${INSTALL_DIR}/node`)).toBe(sha256File(process.execPath));
      expect(statSync('/etc/tomo-agent/agent.env').mode & 0o777).toBe(0o600);
      expect(statSync('/var/lib/tomo-agent/state.json').mode & 0o777).toBe(0o600);
      expect(installedAgentProcesses().some((p) => p.cmdline.includes('tomo-agent.cjs'))).toBe(
        true,
      );

      const ping = await api('POST', `/api/v1/servers/${serverId}/agent/ping`);
      expect(ping.body).toMatchObject({ success: true });
      const exec = await tomo.request('POST', `/api/v1/servers/${serverId}/commands`, {
        token,
        body: { command: 'echo via-$((20+1))' },
      });
      expect(exec.body).toMatchObject({ exit_code: 0, method: 'agent' });
      expect(exec.body.output).toContain('via-21');
    },
    INSTALL_TIMEOUT,
  );

  it('the supervisor restarts an agent that was killed, and it reconnects with its token', async () => {
    if (existsSync('/run/systemd/system')) {
      console.warn('agent-install.e2e: systemd runs here; its Restart=always is systemd’s own');
    }
    const agent = installedAgentProcesses().find((p) => p.cmdline.includes('tomo-agent.cjs'));
    expect(agent).toBeDefined();
    process.kill(agent!.pid, 'SIGKILL');
    const restarted = await until('a new agent process', () =>
      installedAgentProcesses().find(
        (p) => p.cmdline.includes('tomo-agent.cjs') && p.pid !== agent!.pid,
      ),
    );
    expect(restarted.pid).not.toBe(agent!.pid);
    await until('the agent to reconnect', async () => {
      const ping = await api('POST', `/api/v1/servers/${serverId}/agent/ping`);
      return ping.status === 200 && ping.body.success === true ? true : undefined;
    });
  }, 60_000);

  it(
    'a second install or uninstall while one runs is refused with CONFLICT',
    async () => {
      const [first, second] = await Promise.all([
        api('POST', `/api/v1/servers/${serverId}/agent/install`),
        api('POST', `/api/v1/servers/${serverId}/agent/install`),
      ]);
      const statuses = [first.status, second.status].sort();
      expect(statuses).toEqual([200, 409]);
      const refused = first.status === 409 ? first : second;
      expect(refused.body.code).toBe('CONFLICT');
      // The reinstall that ran replaced the agent's identity and it is connected again.
      const status = await api('GET', `/api/v1/servers/${serverId}/agent`);
      expect(status.body).toMatchObject({ status: 'connected', connected: true });
    },
    INSTALL_TIMEOUT,
  );

  it(
    'uninstall_agent stops the agent, removes its files and the record; commands go over SSH',
    async () => {
      const response = await api('POST', `/api/v1/servers/${serverId}/agent/uninstall`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ success: true, agent_removed: true });
      for (const path of [INSTALL_DIR, '/etc/tomo-agent', '/var/lib/tomo-agent']) {
        expect(existsSync(path)).toBe(false);
      }
      await until('the agent processes to end', () =>
        installedAgentProcesses().length === 0 ? true : undefined,
      );
      expect((await api('GET', `/api/v1/servers/${serverId}/agent`)).status).toBe(404);
      const exec = await tomo.request('POST', `/api/v1/servers/${serverId}/commands`, {
        token,
        body: { command: 'true' },
      });
      expect(exec.body).toMatchObject({ exit_code: 0, method: 'ssh' });

      const audit = await api('GET', '/api/v1/audit?target_id=' + serverId + '&limit=100');
      const actions = (audit.body.items as { action: string; result: string }[]).map(
        (entry) => `${entry.action}:${entry.result}`,
      );
      expect(actions).toEqual(
        expect.arrayContaining(['agent.installed:success', 'agent.uninstalled:success']),
      );
      // Running it again finds nothing to remove and says so.
      const again = await api('POST', `/api/v1/servers/${serverId}/agent/uninstall`);
      expect(again.body).toEqual({ success: true, agent_removed: false });
    },
    INSTALL_TIMEOUT,
  );
});
