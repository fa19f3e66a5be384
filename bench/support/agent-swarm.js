'use strict';

/**
 * Simulated agents, run as a CHILD process of the agents benchmark (never in the bench process
 * or the backend, so their CPU is nobody's but their own): `node bench/support/agent-swarm.js`
 * with an IPC channel. Each agent is one `ws` client speaking AGENT_PROTOCOL.md at the wire level,
 * like test/support/protocol-agent.ts: it registers with its one-time code (§2), then answers
 * `agent.ping` JSON-RPC requests (§3, §4) and, through ws's default auto-pong, the backend's
 * WebSocket pings (§1). Other methods get -32601.
 *
 * IPC (parent → child):
 *   { type: 'connect', url, localAddress, codes: [..], concurrency }  register these agents
 *   { type: 'close', count }                    close the `count` most recently registered ones
 * (child → parent):
 *   { type: 'ready' }
 *   { type: 'connected', ok, failed, errors: [first few], ms }         after a connect batch
 *   { type: 'closed', closed, total }                                  after a close
 *   { type: 'lost', count }               sockets the backend closed (never expected)
 *   { type: 'fatal', error }
 * The child exits when the channel closes (the bench ended or died) or on SIGTERM.
 */
const WebSocket = require('ws');
const { performance } = require('node:perf_hooks');

const VERSION = 'bench-simulated-1';
const HANDSHAKE_TIMEOUT_MS = 60_000;

const agents = [];
let lost = 0;
let lostTimer = null;

function reportLost() {
  if (lostTimer) return;
  lostTimer = setTimeout(() => {
    lostTimer = null;
    process.send?.({ type: 'lost', count: lost });
  }, 200);
}

function answer(socket, agent, frame) {
  if (frame.method === 'agent.ping') {
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: frame.id,
        result: { status: 'ok', version: VERSION, agent_id: agent.agentId },
      }),
    );
  } else if (frame.id !== undefined) {
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: frame.id,
        error: { code: -32601, message: `Method not found: ${String(frame.method)}` },
      }),
    );
  }
}

/** One agent: opens the socket, registers, then serves requests. Resolves once registered. */
function register(url, localAddress, code) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress, perMessageDeflate: false });
    const agent = { socket, agentId: null };
    let registered = false;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('handshake timed out'));
    }, HANDSHAKE_TIMEOUT_MS);
    socket.on('message', (data) => {
      let frame;
      try {
        frame = JSON.parse(data.toString('utf8'));
      } catch {
        return;
      }
      if (!registered) {
        clearTimeout(timer);
        if (frame.type === 'registered' && typeof frame.agent_id === 'string') {
          registered = true;
          agent.agentId = frame.agent_id;
          agents.push(agent);
          resolve(agent);
        } else {
          socket.close();
          reject(new Error(`handshake refused: ${JSON.stringify(frame).slice(0, 200)}`));
        }
        return;
      }
      if (frame.jsonrpc === '2.0' && typeof frame.method === 'string') answer(socket, agent, frame);
    });
    socket.once('open', () =>
      socket.send(JSON.stringify({ type: 'register', code, version: VERSION })),
    );
    socket.once('error', (error) => {
      clearTimeout(timer);
      if (!registered) reject(error);
    });
    socket.once('close', (closeCode) => {
      clearTimeout(timer);
      if (!registered) reject(new Error(`closed with ${closeCode} before registering`));
      else if (!agent.closing) {
        lost += 1;
        reportLost();
      }
    });
  });
}

/** Registers every code, at most `concurrency` handshakes in flight. */
async function connectBatch({ url, localAddress, codes, concurrency }) {
  const started = performance.now();
  let next = 0;
  let ok = 0;
  const errors = [];
  const worker = async () => {
    while (next < codes.length) {
      const code = codes[next];
      next += 1;
      try {
        await register(url, localAddress, code);
        ok += 1;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return {
    type: 'connected',
    ok,
    failed: errors.length,
    errors: errors.slice(0, 3),
    total: agents.length,
    ms: performance.now() - started,
  };
}

/** Closes the `count` most recently registered agents (close code 1000); resolves when closed. */
async function closeNewest(count) {
  const closing = agents.splice(Math.max(0, agents.length - count));
  await Promise.all(
    closing.map(
      (agent) =>
        new Promise((resolve) => {
          agent.closing = true;
          agent.socket.once('close', resolve);
          agent.socket.close(1000, 'bench: fewer agents');
        }),
    ),
  );
  return { type: 'closed', closed: closing.length, total: agents.length };
}

process.on('message', (message) => {
  if (message?.type === 'close') {
    closeNewest(message.count).then(
      (result) => process.send?.(result),
      (error) => process.send?.({ type: 'fatal', error: String(error?.message ?? error) }),
    );
  } else if (message?.type === 'connect') {
    connectBatch(message).then(
      (result) => process.send?.(result),
      (error) => process.send?.({ type: 'fatal', error: String(error?.message ?? error) }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.send?.({ type: 'ready' });
