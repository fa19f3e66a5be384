/**
 * The daemon against a small backend played by the test: a `ws` server on 127.0.0.1:0 that speaks
 * AGENT_PROTOCOL.md from the other side. In-process runs exercise the handshake, JSON-RPC and
 * reconnects; child-process runs exercise the real entry point (signals, exit codes, stdout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { Agent } from './agent';
import { createLogger } from './logger';
import { createDockerClient } from './methods/docker-client';
import { StateStore, type AgentState } from './state-file';
import { AGENT_VERSION } from './version';

const CODE = '7F3A-91C2-0B4D-55AA-1234-5678-9ABC-DEF0';
const TOKEN = 'T'.repeat(43);
const AGENT_ID = '60b24f9f-d9f9-4988-a351-4d656c2799ca';
const FAST = { metrics_interval: 1, health_interval: 1 };

type Frame = Record<string, any>;

class Session {
  private readonly frames: Frame[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number }>;

  constructor(
    readonly ws: WebSocket,
    readonly path: string | undefined,
  ) {
    ws.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve({ code })));
  }

  /** The first frame (not yet taken) that matches; waits for it. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 8_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0] as Frame;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame; saw ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request the way the backend does and waits for its response. */
  async call(method: string, params?: object, over: Frame = {}): Promise<Frame> {
    const frame = {
      jsonrpc: '2.0',
      id: randomUUID(),
      method,
      ...(params === undefined ? {} : { params }),
      timestamp: Math.floor(Date.now() / 1000),
      nonce: randomUUID(),
      ...over,
    };
    this.send(frame);
    return this.next((f) => f.id === frame.id && !('method' in f), 30_000);
  }

  close(code: number, reason = ''): void {
    this.ws.close(code, reason);
  }
}

class FakeBackend {
  private readonly wss: WebSocketServer;
  private readonly queue: Session[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly sessions: Session[] = [];
  url = '';

  constructor() {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.wss.on('connection', (ws, req) => {
      const session = new Session(ws, req.url);
      this.sessions.push(session);
      this.queue.push(session);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.wss.once('listening', resolve));
    this.url = `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws/agent`;
  }

  async nextSession(timeoutMs = 10_000): Promise<Session> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the agent did not connect');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.queue.shift() as Session;
  }

  stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

describe('tomo-agent against a fake backend', () => {
  let backend: FakeBackend;
  let dir: string;
  let stateFile: string;
  let logLines: string[];

  beforeEach(async () => {
    backend = new FakeBackend();
    await backend.start();
    dir = mkdtempSync(join(tmpdir(), 'tomo-agent-proto-'));
    stateFile = join(dir, 'state', 'state.json');
    logLines = [];
  });

  afterEach(async () => {
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function makeAgent(state: AgentState | null, code: string | undefined = CODE): Agent {
    return new Agent({
      options: {
        serverUrl: backend.url,
        code,
        stateFile,
        dockerSocket: '/var/run/docker.sock',
        noExec: false,
        allowHostNetwork: false,
      },
      serverUrl: backend.url,
      tls: { rejectUnauthorized: true },
      store: new StateStore(stateFile, state),
      docker: createDockerClient('/var/run/docker.sock'),
      logger: createLogger((line) => logLines.push(line)),
      backoff: { initialMs: 50, maxMs: 200 },
    });
  }

  function storedState(token = TOKEN): AgentState {
    return {
      agent_id: AGENT_ID,
      token,
      server_url: backend.url,
      registered_at: '2026-11-25T00:00:00.000Z',
    };
  }

  it('registers, keeps its state 0600, serves JSON-RPC, and reconnects with its token', async () => {
    const agent = makeAgent(null);
    const exit = agent.run();

    const first = await backend.nextSession();
    expect(first.path).toBe('/ws/agent'); // the URL as given, nothing appended
    expect(await first.next()).toEqual({ type: 'register', code: CODE, version: AGENT_VERSION });
    first.send({
      type: 'registered',
      agent_id: AGENT_ID,
      token: TOKEN,
      config: { ...FAST, reconnect_timeout: 30, heartbeat_interval: 30, heartbeat_timeout: 90 },
      unknown_field: 'ignored',
    });

    // Requests may follow the reply at once; they are served after the state is on disk.
    const ping = await first.call('agent.ping');
    expect(ping).toEqual({
      jsonrpc: '2.0',
      id: ping.id,
      result: { status: 'ok', version: AGENT_VERSION, agent_id: AGENT_ID },
    });
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(saved).toEqual({
      agent_id: AGENT_ID,
      token: TOKEN,
      server_url: backend.url,
      registered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(agent.currentConfig.metrics_interval).toBe(1);

    const health = await first.next((f) => f.method === 'health.status');
    expect(health).toEqual({
      jsonrpc: '2.0',
      method: 'health.status',
      params: { status: 'healthy', uptime: expect.any(Number), version: AGENT_VERSION },
    });
    const metrics = await first.next((f) => f.method === 'metrics.update');
    expect(metrics.params).toEqual({
      cpu: expect.any(Number),
      memory: { used: expect.any(Number), total: expect.any(Number), percent: expect.any(Number) },
      disk: { used: expect.any(Number), total: expect.any(Number), percent: expect.any(Number) },
      load: [expect.any(Number), expect.any(Number), expect.any(Number)],
      network: { rx_bytes: expect.any(Number), tx_bytes: expect.any(Number) },
      containers: { running: expect.any(Number), stopped: expect.any(Number) },
    });
    await first.next((f) => f.method === 'metrics.update'); // and again a second later

    // Replay protection: a nonce is good once; stale frames are refused.
    const nonce = randomUUID();
    expect((await first.call('agent.ping', undefined, { nonce })).result.status).toBe('ok');
    const replay = await first.call('agent.ping', undefined, { nonce });
    expect(replay.error).toEqual({ code: -32600, message: expect.stringMatching(/nonce/) });
    const stale = await first.call('agent.ping', undefined, {
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    expect(stale.error.code).toBe(-32600);

    // system.exec, and at most once: the same id with a fresh nonce returns the same answer.
    const exec = await first.call('system.exec', { command: 'echo hi' });
    expect(exec.result).toEqual({ stdout: 'hi\n', stderr: '', exit_code: 0 });
    const again = await first.call('system.exec', { command: 'echo hi' }, { id: exec.id });
    expect(again).toEqual(exec);

    const timedOut = await first.call('system.exec', { command: 'sleep 5', timeout: 1 });
    expect(timedOut.result).toEqual({
      stdout: '',
      stderr: 'Command timed out after 1s',
      exit_code: -1,
    });

    expect(
      (await first.call('config.update', { metrics_interval: 7, something_new: true })).result,
    ).toEqual({ status: 'ok' });
    expect(agent.currentConfig.metrics_interval).toBe(7);
    expect((await first.call('config.update', { health_interval: 0 })).error.code).toBe(-32602);

    const update = await first.call('agent.update', { version: '9.9.9' });
    expect(update.result).toEqual({
      status: 'error',
      message: expect.stringContaining('not supported by this agent build'),
    });

    expect((await first.call('no.such.method')).error).toEqual({
      code: -32601,
      message: 'Method not found: no.such.method',
    });
    first.send('this is not json');
    expect((await first.next((f) => f.error?.code === -32700)).id).toBeNull();
    expect((await first.call('agent.ping')).result.status).toBe('ok');

    const newToken = 'N'.repeat(43);
    const rotated = await first.call('agent.rotate_token', {
      new_token: newToken,
      grace_period_seconds: 300,
    });
    expect(rotated.result).toEqual({ status: 'ok', rotated_at: expect.any(String) });
    // Saved before the answer was sent.
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).token).toBe(newToken);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    // The backend goes down; the agent comes back with the new token, not the code.
    first.close(1001, 'backend shutting down');
    const second = await backend.nextSession();
    expect(await second.next()).toEqual({
      type: 'authenticate',
      token: newToken,
      version: AGENT_VERSION,
    });
    second.send({ type: 'authenticated', agent_id: AGENT_ID, config: FAST });
    // A nonce seen before the reconnect is still refused after it.
    expect((await second.call('agent.ping', undefined, { nonce })).error.code).toBe(-32600);

    await agent.stop('SIGTERM');
    expect(await second.next((f) => f.method === 'agent.shutdown')).toEqual({
      jsonrpc: '2.0',
      method: 'agent.shutdown',
      params: { reason: 'SIGTERM', restart: false },
    });
    expect((await second.closed).code).toBe(1000);
    await expect(exit).resolves.toBe(0);

    const log = logLines.join('');
    expect(log).not.toContain(CODE);
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(newToken);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
  }, 60_000);

  it('a restarted agent authenticates with its stored token and ignores the code', async () => {
    const agent = makeAgent(storedState(), 'SOME-OTHER-CODE');
    const exit = agent.run();
    const session = await backend.nextSession();
    expect(await session.next()).toEqual({
      type: 'authenticate',
      token: TOKEN,
      version: AGENT_VERSION,
    });
    session.send({ type: 'authenticated', agent_id: AGENT_ID, config: {} });
    expect((await session.call('agent.ping')).result.agent_id).toBe(AGENT_ID);
    await agent.stop('SIGINT');
    await expect(exit).resolves.toBe(0);
  });

  it('stops for good with exit code 3 when revoked (close 4003)', async () => {
    const exit = makeAgent(storedState()).run();
    const session = await backend.nextSession();
    await session.next();
    session.send({ type: 'authenticated', agent_id: AGENT_ID, config: {} });
    await session.call('agent.ping');
    session.close(4003, 'revoked');
    await expect(exit).resolves.toBe(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(backend.sessions).toHaveLength(1);
    expect(logLines.some((l) => JSON.parse(l).event === 'agent.revoked')).toBe(true);
  });

  it('keeps retrying after 4001 when it has a stored token', async () => {
    const agent = makeAgent(storedState());
    const exit = agent.run();
    for (let i = 0; i < 2; i++) {
      const session = await backend.nextSession();
      await session.next();
      session.send({ type: 'error', error: 'Invalid authentication token' });
      session.close(4001, 'handshake failed');
    }
    const third = await backend.nextSession();
    expect((await third.next()).type).toBe('authenticate');
    third.send({ type: 'authenticated', agent_id: AGENT_ID, config: {} });
    expect((await third.call('agent.ping')).result.status).toBe('ok');
    await agent.stop('SIGTERM');
    await expect(exit).resolves.toBe(0);
  });

  it('retries a registration that was rate-limited, and gives up (exit 4) on a refused code', async () => {
    const exit = makeAgent(null).run();
    const first = await backend.nextSession();
    expect((await first.next()).type).toBe('register');
    first.send({ type: 'error', error: 'Too many connection attempts. Try again later.' });
    first.close(4001);
    const second = await backend.nextSession();
    expect((await second.next()).type).toBe('register');
    second.send({ type: 'error', error: 'Invalid or expired registration code' });
    second.close(4001);
    await expect(exit).resolves.toBe(4);
  });

  it('reconnects after being replaced (4004) and after a dead connection (no pings)', async () => {
    const agent = makeAgent(storedState());
    const exit = agent.run();
    const first = await backend.nextSession();
    await first.next();
    first.send({ type: 'authenticated', agent_id: AGENT_ID, config: {} });
    await first.call('agent.ping');
    first.close(4004, 'replaced');

    const second = await backend.nextSession();
    await second.next();
    second.send({ type: 'authenticated', agent_id: AGENT_ID, config: { heartbeat_timeout: 1 } });
    // Nothing more from the backend: after 1 s of silence the agent drops the socket itself.
    await expect(second.closed).resolves.toEqual({ code: expect.any(Number) });
    const third = await backend.nextSession();
    expect((await third.next()).type).toBe('authenticate');
    await agent.stop('SIGTERM');
    await expect(exit).resolves.toBe(0);
  }, 20_000);
});

describe('tomo-agent as a process', () => {
  let backend: FakeBackend;
  let dir: string;
  let hook: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tomo-agent-proc-'));
    // Runs main.ts directly: a require hook compiles TypeScript with the swc the tests use.
    hook = join(dir, 'swc-hook.js');
    writeFileSync(
      hook,
      `const fs = require('fs');
const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
require.extensions['.ts'] = function (m, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
  });
  m._compile(code, filename);
};`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    backend = new FakeBackend();
    await backend.start();
  });
  afterEach(() => backend.stop());

  function start(args: string[], env: NodeJS.ProcessEnv = {}) {
    const child: ChildProcess = spawn(
      process.execPath,
      ['-r', hook, join(__dirname, 'main.ts'), ...args],
      { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    return { child, exited, out: () => stdout, err: () => stderr };
  }

  it('registers from the environment, exits 0 on SIGTERM after agent.shutdown, logs JSON lines without secrets', async () => {
    const stateFile = join(dir, 'p1', 'state.json');
    const agent = start(['--state-file', stateFile], {
      SERVER_URL: backend.url,
      REGISTER_CODE: CODE,
    });
    try {
      const session = await backend.nextSession(20_000);
      expect(await session.next()).toEqual({
        type: 'register',
        code: CODE,
        version: AGENT_VERSION,
      });
      session.send({ type: 'registered', agent_id: AGENT_ID, token: TOKEN, config: FAST });
      expect((await session.call('agent.ping')).result.agent_id).toBe(AGENT_ID);
      expect(statSync(stateFile).mode & 0o777).toBe(0o600);
      agent.child.kill('SIGTERM');
      expect((await session.next((f) => f.method === 'agent.shutdown')).params).toEqual({
        reason: 'SIGTERM',
        restart: false,
      });
      await expect(agent.exited).resolves.toBe(0);
    } finally {
      agent.child.kill('SIGKILL');
    }
    const lines = agent.out().trim().split('\n');
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('event');
    expect(agent.out()).not.toContain(CODE);
    expect(agent.out()).not.toContain(TOKEN);
  }, 40_000);

  it('exits 3 when revoked, with a clear log line', async () => {
    const stateFile = join(dir, 'p2', 'state.json');
    const first = start(['--server', backend.url, '--code', CODE, '--state-file', stateFile]);
    const session = await backend.nextSession(20_000);
    await session.next();
    session.send({ type: 'registered', agent_id: AGENT_ID, token: TOKEN, config: {} });
    await session.call('agent.ping');
    first.child.kill('SIGINT');
    await expect(first.exited).resolves.toBe(0);

    // Restarted with only the state file: server and token come from it.
    const second = start(['--state-file', stateFile]);
    try {
      const s2 = await backend.nextSession(20_000);
      expect(await s2.next()).toEqual({
        type: 'authenticate',
        token: TOKEN,
        version: AGENT_VERSION,
      });
      s2.send({ type: 'authenticated', agent_id: AGENT_ID, config: {} });
      await s2.call('agent.ping');
      s2.close(4003, 'revoked');
      await expect(second.exited).resolves.toBe(3);
    } finally {
      second.child.kill('SIGKILL');
    }
    expect(second.out()).toContain('"event":"agent.revoked"');
  }, 40_000);

  it('exits 2 with a clear message on bad usage', async () => {
    const bad = start(['--server', 'http://example/ws/agent', '--code', 'x']);
    await expect(bad.exited).resolves.toBe(2);
    expect(bad.err()).toContain('--server must start with ws:// or wss://');
    const missing = start(['--server', backend.url, '--state-file', join(dir, 'none.json')]);
    await expect(missing.exited).resolves.toBe(2);
    expect(missing.err()).toContain('--code (or REGISTER_CODE) is required');
  }, 30_000);
});
