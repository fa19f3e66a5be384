'use strict';

/**
 * Baseline of the ping_agent round trip: a bare `ws` server (its own process, like the agent
 * daemon) that answers every JSON frame with a frame the size of an `agent.ping` response:
 * `{"jsonrpc":"2.0","id":<the id>,"result":{"status":"ok","version":…,"agent_id":…}}`. It parses
 * the request and serializes the answer, as the daemon must; nothing else.
 *
 *   HOST=127.0.0.1 PORT=0 node bench/support/agent-ws-echo.js  → "listening on http://HOST:PORT"
 *
 * The same `ws` package and defaults as the backend's gateway (no permessage-deflate).
 */
const { randomUUID } = require('node:crypto');
const { WebSocketServer } = require('ws');

const AGENT_ID = randomUUID();
const server = new WebSocketServer({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  maxPayload: 1024 * 1024,
});

server.on('connection', (socket) => {
  socket.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: frame.id,
        result: { status: 'ok', version: '0.1.0', agent_id: AGENT_ID },
      }),
    );
  });
});

server.on('listening', () => {
  const { address, port } = server.address();
  process.stdout.write(`listening on http://${address}:${port}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
