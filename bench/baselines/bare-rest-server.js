'use strict';

/**
 * Baseline for the REST and cold-start benchmarks: a bare Express 5 + better-sqlite3 server.
 *
 *   GET /health/ready    SELECT 1, then {"status":"ok"}
 *   GET /api/v1/auth/me  JWT check + one read of the user row (see user-lookup.js)
 *
 * Env: DATA_DIRECTORY (tomo.db inside it is used, or created with a users table),
 * JWT_SECRET_KEY, HOST, PORT (0 = free port). Prints "listening on http://…".
 */
const express = require('express');
const { mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { listen, openUserLookup } = require('./user-lookup');

const dataDirectory = process.env.DATA_DIRECTORY || 'data';
mkdirSync(dataDirectory, { recursive: true });
const users = openUserLookup({
  databasePath: join(dataDirectory, 'tomo.db'),
  jwtSecret: process.env.JWT_SECRET_KEY ?? '',
  create: true,
});

const app = express();
app.disable('x-powered-by');

app.get('/health/ready', (_req, res) => {
  if (users.databaseAnswers()) res.json({ status: 'ok' });
  else res.status(503).json({ status: 'error' });
});

app.get('/api/v1/auth/me', (req, res) => {
  const claims = users.verifyBearer(req.headers.authorization);
  const user = claims ? users.userById(claims.sub) : null;
  if (!user || !user.is_active) {
    res.status(401).json({ statusCode: 401, code: 'UNAUTHORIZED', message: 'Invalid token.' });
    return;
  }
  res.json(user);
});

listen(app, () => users.close());
