'use strict';

const { fork, spawn } = require('node:child_process');
const { join } = require('node:path');
const { request, sleep } = require('./http');
const { ROOT } = require('./processes');

/** The built agent daemon, as `tomo-agent` runs it. */
const DAEMON_MAIN = 'dist/src/daemon/main.js';
const SWARM = join(__dirname, 'agent-swarm.js');

/**
 * Children of the agents benchmark that processes.js does not track (the daemon, the swarms):
 * killed by PID should the bench exit before stopping them.
 */
const children = new Map();
process.on('exit', () => {
  for (const pid of children.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
});

function track(child) {
  children.set(child.pid, child);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child.pid);
      resolve({ code, signal });
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child.pid);
  };
  return { exited, stop };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Tomo's REST face for the agents benchmark, with the session JWT as Bearer token. Every call
 * resolves with `{ status, body }`; the `expect*` helpers throw on anything unexpected.
 */
function agentApi(tomo, token) {
  const call = async (method, path, body, agent) => {
    const headers = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await request(`${tomo.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      agent,
    });
    return { status: response.status, body: parseJson(response.text), text: response.text };
  };
  const expect = (response, status, what) => {
    if (response.status !== status)
      throw new Error(`${what} answered ${response.status}: ${response.text.slice(0, 300)}`);
    return response.body;
  };
  return {
    call,
    /** POST /api/v1/servers (create_server; Tomo tests the connection before it answers). */
    addServer: async (server, agent) =>
      expect(await call('POST', '/api/v1/servers', server, agent), 201, 'POST /api/v1/servers'),
    /** POST /api/v1/servers/{id}/agent (register_agent): a one-time code. */
    registerAgent: async (serverId, agent) =>
      expect(
        await call('POST', `/api/v1/servers/${serverId}/agent`, undefined, agent),
        201,
        'register_agent',
      ),
    /** GET /api/v1/servers/{id}/agent (get_agent_status). */
    agentStatus: (serverId, agent) =>
      call('GET', `/api/v1/servers/${serverId}/agent`, undefined, agent),
    /** POST /api/v1/servers/{id}/agent/ping (ping_agent). */
    ping: (serverId, agent) =>
      call('POST', `/api/v1/servers/${serverId}/agent/ping`, undefined, agent),
    /** POST /api/v1/servers/{id}/commands (execute_command). */
    execute: (serverId, body, agent) =>
      call('POST', `/api/v1/servers/${serverId}/commands`, body, agent),
    /** How many agents the backend lists as connected (GET /api/v1/agents?status=connected). */
    connectedCount: async () =>
      expect(
        await call('GET', '/api/v1/agents?status=connected&limit=1'),
        200,
        'GET /api/v1/agents',
      ).total,
  };
}

/** Polls until `check()` is true; throws `what` after `timeoutMs`. */
async function waitFor(check, what, timeoutMs = 60_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * The real agent daemon: `node dist/src/daemon/main.js --server URL --code CODE --state-file F`
 * (exec allowed), run from the repository root. Its JSON log lines are kept for error messages.
 */
function startDaemon({ serverUrl, code, stateFile }) {
  const child = spawn(
    process.execPath,
    [DAEMON_MAIN, '--server', serverUrl, '--code', code, '--state-file', stateFile],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk) => {
    output = `${output}${chunk}`.slice(-20_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const { exited, stop } = track(child);
  return { pid: child.pid, exited, stop, output: () => output.trim() };
}

/**
 * One child process of simulated agents (agent-swarm.js). `connect(codes)` registers them over
 * `localAddress` and resolves with the child's `{ ok, failed, errors, total, ms }`;
 * `closeNewest(count)` closes the most recently registered ones (`{ closed, total }`).
 */
async function startSwarm({ url, localAddress, concurrency }) {
  const child = fork(SWARM, [], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr = `${stderr}${chunk}`.slice(-5_000);
  });
  const { exited, stop } = track(child);
  const swarm = { pid: child.pid, lost: 0, stop, stderr: () => stderr.trim() };
  let waiting = null;
  child.on('message', (message) => {
    if (message?.type === 'lost') swarm.lost = message.count;
    else if (
      waiting &&
      (message?.type === 'connected' || message?.type === 'closed' || message?.type === 'fatal')
    ) {
      const { resolve } = waiting;
      waiting = null;
      resolve(message);
    } else if (waiting && message?.type === 'ready') waiting.ready?.();
  });
  void exited.then(({ code, signal }) => {
    if (waiting) {
      const { reject } = waiting;
      waiting = null;
      reject(new Error(`agent swarm ${child.pid} exited (${code ?? signal}): ${swarm.stderr()}`));
    }
  });
  await new Promise((resolve, reject) => {
    const ready = () => {
      waiting = null;
      resolve();
    };
    waiting = { ready, resolve, reject };
  });
  const ask = (message) =>
    new Promise((resolve, reject) => {
      waiting = { resolve, reject };
      child.send(message);
    }).then((answer) => {
      if (answer.type === 'fatal') throw new Error(`agent swarm ${child.pid}: ${answer.error}`);
      return answer;
    });
  swarm.connect = (codes) => ask({ type: 'connect', url, localAddress, codes, concurrency });
  swarm.closeNewest = (count) => ask({ type: 'close', count });
  return swarm;
}

module.exports = { DAEMON_MAIN, agentApi, parseJson, startDaemon, startSwarm, waitFor };
