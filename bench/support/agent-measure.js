'use strict';

/** Measuring helpers of the agents benchmark (bench/agents.js). */
const { spawn } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const http = require('node:http');
const net = require('node:net');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');
const { sleep } = require('./http');
const { cpuSeconds } = require('./process-cpu');
const { mean, percentile, round } = require('./stats');

/** A batch gives up after this many failed calls. */
const MAX_ERRORS = 10;

function describe(error) {
  return error instanceof Error ? error.message : String(error);
}

function stats(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50), 3),
    p90: round(percentile(values, 90), 3),
    p99: round(percentile(values, 99), 3),
    max: round(values.length ? Math.max(...values) : null, 3),
    mean: round(mean(values), 3),
  };
}

function keepAliveAgent(maxSockets) {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/** A loopback TCP port nothing listens on (bound, then closed), checked to refuse connections. */
async function closedPort() {
  const port = await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
  });
  const refused = await new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
  if (!refused) throw new Error(`port ${port} should refuse connections but accepted one`);
  return port;
}

/** `n` calls one after another; each resolves with extra figures or throws. */
async function sequential(n, runOne, series) {
  for (let i = 0; i < n; i += 1) {
    const started = performance.now();
    try {
      const extra = await runOne();
      series.wall.push(performance.now() - started);
      if (typeof extra === 'number') series.reported.push(extra);
    } catch (error) {
      series.errors.push(describe(error));
      if (series.errors.length > MAX_ERRORS)
        throw new Error(`more than ${MAX_ERRORS} failed calls, first: ${series.errors[0]}`, {
          cause: error,
        });
    }
  }
}

function newSeries() {
  return { wall: [], reported: [], errors: [], cpuSeconds: 0 };
}

/** `/bin/sh -c true` spawned as the daemon's system.exec does; resolves when it closed. */
function spawnShellTrue() {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'true'], {
      detached: true,
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`/bin/sh -c true exited with ${code}`)),
    );
  });
}

/** A `ws` client of the echo baseline: one JSON-RPC-shaped request per round trip. */
async function echoClient(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let pending = null;
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString('utf8'));
    const waiter = pending;
    pending = null;
    if (waiter && frame.id === waiter.id) waiter.resolve(frame);
    else waiter?.reject(new Error('unexpected echo frame'));
  });
  socket.on('close', () => pending?.reject(new Error('echo socket closed')));
  // The backend's agent.ping request: UUID id, method, timestamp, 16-byte hex nonce.
  const frameOf = (id) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'agent.ping',
      timestamp: Math.floor(Date.now() / 1000),
      nonce: randomBytes(16).toString('hex'),
    });
  return {
    requestBytes: Buffer.byteLength(frameOf(randomUUID())),
    roundTrip: () =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const id = randomUUID();
        pending = {
          id,
          resolve: (frame) => {
            const elapsed = performance.now() - started;
            if (frame.result?.status !== 'ok') reject(new Error('echo answered without ok'));
            else resolve(elapsed);
          },
          reject,
        };
        socket.send(frameOf(id));
      }),
    close: () => socket.terminate(),
  };
}

/** Backend CPU over an idle window, in % of one core; the swarm children's too, for information. */
async function idleCpu(pid, childPids, seconds) {
  const cpuOf = (pids) => pids.reduce((sum, p) => sum + (cpuSeconds(p) ?? 0), 0);
  const started = performance.now();
  const before = cpuSeconds(pid);
  const childrenBefore = cpuOf(childPids);
  await sleep(seconds * 1000);
  const after = cpuSeconds(pid);
  const childrenAfter = cpuOf(childPids);
  const elapsed = (performance.now() - started) / 1000;
  return {
    seconds: round(elapsed, 2),
    cpuSeconds: round(after - before, 3),
    percentOfCore: ((after - before) / elapsed) * 100,
    swarmPercentOfCore: round(((childrenAfter - childrenBefore) / elapsed) * 100, 2),
  };
}

/**
 * One fan-out: `call(serverId)` for every id at once, over the keep-alive `agent`; resolves with
 * the wall time until the last answer, each call's latency and the backend's CPU meanwhile.
 */
async function fanOut(pid, serverIds, call) {
  const latencies = [];
  const errors = [];
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  await Promise.all(
    serverIds.map(async (serverId) => {
      const callStarted = performance.now();
      try {
        await call(serverId);
        latencies.push(performance.now() - callStarted);
      } catch (error) {
        errors.push(describe(error));
      }
    }),
  );
  const ms = performance.now() - started;
  return {
    ms,
    calls: serverIds.length,
    ok: latencies.length,
    errors: errors.length,
    firstErrors: errors.slice(0, 3),
    callMs: { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1) },
    backendCpuSeconds: round(cpuSeconds(pid) - cpuBefore, 3),
  };
}

module.exports = {
  closedPort,
  describe,
  echoClient,
  fanOut,
  idleCpu,
  keepAliveAgent,
  newSeries,
  sequential,
  spawnShellTrue,
  stats,
};
