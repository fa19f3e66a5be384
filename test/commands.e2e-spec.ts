import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

const LIMIT = 65536;
const CHANNELS = 10;

/** Whether a process whose command line contains `marker` is still alive on this machine. */
function processAlive(marker: string): boolean {
  const table = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return table.split('\n').some((line) => line.includes(marker));
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/**
 * execute_command over the SSH pool against a real sshd: results, audit, one pooled connection
 * for 50 concurrent commands, the channel limit, timeouts that kill the remote process group,
 * output caps, and a host dying mid-command.
 */
describeWithSshd('commands: execute_command over the SSH pool', () => {
  let sshd: TestSshd;
  let tomo: TestTomo;
  let token: string;
  let serverId: string;
  let hostIndex = 2;

  const api = (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token, body });
  const run = (command: string, extra: Record<string, unknown> = {}, id = serverId) =>
    api('POST', `/api/v1/servers/${id}/commands`, { command, ...extra });
  /** A server entry of its own (so a fresh pooled connection), same sshd. */
  const newServer = async (): Promise<string> => {
    const added = await api('POST', '/api/v1/servers', {
      hostname: `127.0.0.${hostIndex++}`,
      port: sshd.port,
      username: sshd.username,
      credential: sshd.password,
    });
    expect(added.body.status).toBe('online');
    return added.body.id as string;
  };
  const logins = () => (sshd.log().match(/Accepted password for/g) ?? []).length;

  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: CHANNELS, extraAddresses: 10 });
    tomo = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      MAX_CONCURRENT_CONNECTIONS: String(CHANNELS),
      SSH_OUTPUT_LIMIT_BYTES: String(LIMIT),
    });
    token = await tomo.login();
    serverId = await newServer();
  });

  afterAll(async () => {
    await tomo?.stop();
    await sshd?.stop();
  });

  it('returns output (stdout and stderr), exit code, method and duration', async () => {
    const response = await run('echo out; echo err >&2; exit 3');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      success: false,
      exit_code: 3,
      error: 'Exited with code 3.',
      method: 'ssh',
      truncated: false,
    });
    expect(response.body.output).toContain('out\n');
    expect(response.body.output).toContain('err\n');
    expect(response.body.execution_time_ms).toBeGreaterThan(0);

    const ok = await run(`printf '%s' "$(id -un)"`);
    expect(ok.body).toMatchObject({
      success: true,
      exit_code: 0,
      error: null,
      output: sshd.username,
    });
  });

  it('audits every run with the command text, secrets redacted, exit code and duration', async () => {
    await run('echo password=hunter2-not-for-logs; false');
    const audit = await api(
      'GET',
      `/api/v1/audit?action=command.executed&target_id=${serverId}&limit=1`,
    );
    const row = audit.body.items[0];
    expect(row).toMatchObject({ result: 'failure', interface: 'rest', actor_name: 'admin' });
    expect(row.details).toMatchObject({ method: 'ssh', exit_code: 1, timed_out: false });
    expect(row.details.command).toContain('password=[REDACTED]');
    expect(JSON.stringify(row)).not.toContain('hunter2');
    expect(row.details.duration_ms).toBeGreaterThan(0);
  });

  it('runs 50 concurrent commands over one connection, at most 10 channels at a time', async () => {
    const id = await newServer();
    const loginsBefore = logins();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        run(`s=$(date +%s%N); sleep 0.3; e=$(date +%s%N); echo "${n} $s $e"`, {}, id),
      ),
    );
    const intervals = results.map((response, n) => {
      expect({ n, status: response.status, success: response.body.success }).toEqual({
        n,
        status: 200,
        success: true,
      });
      const [index, start, end] = String(response.body.output).trim().split(' ').map(Number);
      expect(index).toBe(n);
      return [start!, end!] as const;
    });
    // Most commands running at the same instant, from their own start and end times.
    const overlap = Math.max(
      ...intervals.map(([start]) => intervals.filter(([s, e]) => s <= start && start < e).length),
    );
    expect(overlap).toBeLessThanOrEqual(CHANNELS);
    expect(overlap).toBeGreaterThan(1);
    // One login for all fifty (add_server's own test connection came before): they shared
    // the pooled connection.
    expect(logins() - loginsBefore).toBe(1);
  });

  it('a timeout kills the remote process group, not just the shell', async () => {
    const marker = `${randomInt(100, 999)}.${randomInt(100000, 999999)}`;
    const response = await run(`sleep 1${marker} & sleep 2${marker}; echo never`, {
      timeout_seconds: 1,
    });
    expect(response.body).toMatchObject({
      success: false,
      exit_code: null,
      error: expect.stringMatching(/Timed out after 1 s; the remote process group was killed/),
    });
    expect(response.body.output).not.toContain('never');
    const gone = await waitUntil(
      () => !processAlive(`sleep 1${marker}`) && !processAlive(`sleep 2${marker}`),
      5000,
    );
    expect(gone).toBe(true);
  });

  it('caps output at the limit and reports the rest as truncated', async () => {
    const response = await run(`head -c ${LIMIT * 3} /dev/zero | tr '\\0' a`);
    expect(response.body).toMatchObject({ success: true, truncated: true });
    expect(response.body.output).toHaveLength(LIMIT);
  });

  it('a host dying under 50 concurrent commands fails them clearly; the next one reconnects', async () => {
    const id = await newServer();
    await run('true', {}, id);
    const inFlight = Array.from({ length: 50 }, () => run('sleep 5; echo finished', {}, id));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    sshd.kill();
    const failed = await Promise.all(inFlight);
    for (const response of failed) {
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 502,
        code: 'SSH_UNREACHABLE',
      });
    }
    // The ten on a channel lost it mid-run; the forty queued behind them tried a new connection
    // and found the host gone.
    const details = failed.map((response) => String(response.body.detail));
    const lost = details.filter((detail) => /lost while the command was running/.test(detail));
    expect(lost).toHaveLength(CHANNELS);
    for (const detail of details.filter((d) => !lost.includes(d))) {
      expect(detail).toMatch(/refused the connection/);
    }
    const server = (await api('GET', `/api/v1/servers/${id}`)).body;
    expect(server.status).toBe('unreachable');

    await sshd.start();
    const next = await run('echo back', {}, id);
    expect(next.body).toMatchObject({ success: true, output: 'back\n' });
    expect((await api('GET', `/api/v1/servers/${id}`)).body.status).toBe('online');
  });

  it('a connection that died between commands is replaced without failing the next command', async () => {
    const id = await newServer();
    expect((await run('true', {}, id)).body.success).toBe(true);
    sshd.kill();
    await sshd.start();
    const loginsBefore = logins();
    const response = await run('echo again', {}, id);
    expect(response.body).toMatchObject({ success: true, output: 'again\n' });
    expect(logins() - loginsBefore).toBe(1);
  });

  it('knows its routes: SSH now, the agent once one connects', async () => {
    const methods = await api('GET', `/api/v1/servers/${serverId}/execution-methods`);
    expect(methods.body).toEqual({
      server_id: serverId,
      preferred: 'ssh',
      methods: [
        { method: 'agent', available: false, reason: expect.stringMatching(/No agent/) },
        { method: 'ssh', available: true, reason: null },
      ],
    });
    const forced = await run('true', { method: 'agent' });
    expect(forced.status).toBe(503);
    expect(forced.body.code).toBe('AGENT_OFFLINE');
    expect((await run('true', { method: 'ssh' })).body.method).toBe('ssh');
  });

  it('refuses bad arguments with a message and runs nothing', async () => {
    const auditBefore = (await api('GET', '/api/v1/audit?action=command.executed')).body.total;
    for (const [body, message] of [
      [{ command: '' }, /command must be 1 to 65536/],
      [{ command: 'echo a\u0000b' }, /NUL/],
      [{ command: 'true', timeout_seconds: 0 }, /timeout_seconds must be from 1 to 3600/],
      [{ command: 'true', timeout_seconds: 3601 }, /timeout_seconds/],
      [{ command: 'true', method: 'telnet' }, /method must be/],
    ] as const) {
      const response = await api('POST', `/api/v1/servers/${serverId}/commands`, body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.body.detail).toMatch(message);
    }
    expect((await api('GET', '/api/v1/audit?action=command.executed')).body.total).toBe(
      auditBefore,
    );
  });

  it('MCP: execute_command returns the same result as structured content', async () => {
    const client = await tomo.mcp(token, '2026');
    try {
      const result = await client.callTool({
        name: 'execute_command',
        arguments: { server_id: serverId, command: 'echo via mcp' },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        success: true,
        output: 'via mcp\n',
        exit_code: 0,
        method: 'ssh',
      });
      const row = (await api('GET', '/api/v1/audit?action=command.executed&limit=1')).body.items[0];
      expect(row).toMatchObject({ interface: 'mcp', details: { command: 'echo via mcp' } });
    } finally {
      await client.close();
    }
  });
});
