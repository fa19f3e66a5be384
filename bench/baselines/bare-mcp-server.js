'use strict';

/**
 * Baseline for the MCP benchmark: the bare SDK v2 stateless server on Express 5, the way the
 * SDK documents it: express.json(), the SDK's localhost Host/Origin guards, a bearer check,
 * then toNodeHandler(createMcpHandler(factory)) with the parsed body. The factory builds an
 * McpServer with one tool, get_current_user, that reads the caller's user row.
 * Serves 2026-07-28 requests and 2025-era requests statelessly (legacy: 'stateless').
 *
 * Env: DATA_DIRECTORY (holding a copy of Tomo's tomo.db), JWT_SECRET_KEY, HOST, PORT.
 */
const express = require('express');
const { join } = require('node:path');
const { createMcpHandler, McpServer } = require('@modelcontextprotocol/server');
const {
  localhostHostValidation,
  localhostOriginValidation,
  toNodeHandler,
} = require('@modelcontextprotocol/node');
const { listen, openUserLookup } = require('./user-lookup');

const users = openUserLookup({
  databasePath: join(process.env.DATA_DIRECTORY || 'data', 'tomo.db'),
  jwtSecret: process.env.JWT_SECRET_KEY ?? '',
});

const handler = createMcpHandler(
  (ctx) => {
    const server = new McpServer({ name: 'bare-mcp-baseline', version: '1.0.0' });
    server.registerTool(
      'get_current_user',
      {
        description: 'The user behind the credentials of this call.',
        annotations: {
          readOnlyHint: true,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: false,
        },
      },
      () => {
        const user = users.userById(ctx.authInfo?.extra?.userId);
        if (!user) {
          return { isError: true, content: [{ type: 'text', text: '{"code":"NOT_FOUND"}' }] };
        }
        return { content: [{ type: 'text', text: JSON.stringify(user) }], structuredContent: user };
      },
    );
    return server;
  },
  { legacy: 'stateless' },
);
const serve = toNodeHandler(handler);
const guards = [localhostHostValidation(), localhostOriginValidation()];

const app = express();
app.disable('x-powered-by');
app.use(express.json({ type: ['application/json', 'application/*+json'] }));

app.all('/mcp', async (req, res) => {
  for (const guard of guards) if (!guard(req, res)) return;
  const claims = users.verifyBearer(req.headers.authorization);
  if (!claims) {
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="bare", error="invalid_token"')
      .json({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Invalid token.' } });
    return;
  }
  const token = req.headers.authorization.slice('Bearer '.length);
  req.auth = { token, clientId: claims.sub, scopes: [], extra: { userId: claims.sub } };
  await serve(req, res, req.body);
});

listen(app, () => {
  void handler.close();
  users.close();
});
