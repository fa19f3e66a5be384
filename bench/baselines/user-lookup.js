'use strict';

const { createSecretKey } = require('node:crypto');

const Database = require('better-sqlite3');
const jwt = require('jsonwebtoken');

/**
 * The work a baseline does per authenticated request, and nothing more: verify Tomo's HS256
 * session JWT (issuer "tomo", audience "tomo-api") with jsonwebtoken, then read the user row with
 * one prepared better-sqlite3 statement. Tomo itself also reads the session row behind the
 * token's jti; the baselines deliberately do not (the issue defines them with one read).
 */

/** The columns of Tomo's users table the baselines need, for a fresh (cold-start) database. */
const USERS_TABLE = `CREATE TABLE IF NOT EXISTS users (
  id varchar(36) PRIMARY KEY NOT NULL,
  username varchar(64) NOT NULL UNIQUE,
  email varchar(254),
  password_hash varchar(100) NOT NULL,
  role varchar(16) NOT NULL,
  is_active boolean NOT NULL DEFAULT (1),
  created_at varchar(30) NOT NULL,
  updated_at varchar(30) NOT NULL,
  last_login_at varchar(30),
  password_changed_at varchar(30) NOT NULL
)`;

/** Tomo's connection pragmas (src/database/sqlite-pragmas.ts), so both read SQLite the same way. */
const PRAGMAS = [
  'journal_mode = WAL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
  'synchronous = NORMAL',
];

function openUserLookup({ databasePath, jwtSecret, create = false }) {
  // A KeyObject, as Tomo uses: jsonwebtoken parses a string secret as a public key first.
  const jwtKey = createSecretKey(Buffer.from(jwtSecret, 'utf8'));
  const db = new Database(databasePath, { fileMustExist: !create });
  for (const pragma of PRAGMAS) db.pragma(pragma);
  if (create) db.exec(USERS_TABLE);
  const selectUser = db.prepare(
    'SELECT id, username, email, role, is_active, created_at, last_login_at FROM users WHERE id = ?',
  );
  const selectOne = db.prepare('SELECT 1 AS ok');

  return {
    /** The claims of a valid `Authorization: Bearer <jwt>` header, else null. */
    verifyBearer(header) {
      if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
      try {
        const claims = jwt.verify(header.slice('Bearer '.length), jwtKey, {
          algorithms: ['HS256'],
          issuer: 'tomo',
          audience: 'tomo-api',
        });
        return typeof claims === 'object' && typeof claims.sub === 'string' ? claims : null;
      } catch {
        return null;
      }
    },

    /** The user as Tomo's UserView shows it, or null. */
    userById(id) {
      const row = selectUser.get(id);
      if (!row) return null;
      return {
        id: row.id,
        username: row.username,
        email: row.email,
        role: row.role,
        is_active: row.is_active === 1,
        created_at: row.created_at,
        last_login_at: row.last_login_at,
      };
    },

    databaseAnswers() {
      return selectOne.get().ok === 1;
    },

    close() {
      db.close();
    },
  };
}

/** Listens on HOST (default 127.0.0.1) and PORT (0 = free port); prints the URL like Tomo does. */
function listen(app, onClose) {
  const host = process.env.HOST || '127.0.0.1';
  const server = app.listen(Number(process.env.PORT ?? 0), host, () => {
    process.stdout.write(`listening on http://${host}:${server.address().port}\n`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      server.close();
      server.closeAllConnections();
      onClose();
      process.exit(0);
    });
  }
  return server;
}

module.exports = { openUserLookup, listen };
