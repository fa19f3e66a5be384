'use strict';

const Database = require('better-sqlite3');
const { randomBytes } = require('node:crypto');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { ROOT, makeTempDirectory, removeTempDirectory, startServer } = require('./processes');

/** The built server, as `npm start` runs it (paths relative to the repository root). */
const TOMO_MAIN = 'dist/src/main.js';
const EVENT_LOOP_PROBE = 'bench/support/event-loop-probe.js';
const BARE_REST = 'bench/baselines/bare-rest-server.js';
const BARE_MCP = 'bench/baselines/bare-mcp-server.js';

/** The admin every Tomo of the run is started with (passes the password policy). */
const ADMIN = { username: 'admin', password: 'plum orchard midnight telescope' };

/** One random HS256 key per run, shared by Tomo and the baselines so they verify the same JWT. */
const JWT_SECRET = randomBytes(48).toString('base64');

function assertBuilt() {
  if (!existsSync(join(ROOT, TOMO_MAIN)))
    throw new Error(`${TOMO_MAIN} is missing: run "npm run build" (npm run bench does).`);
}

/** Tomo's environment: its own data directory, 127.0.0.1, a free port, silent logs. */
function tomoEnvironment(dataDirectory, extra = {}) {
  return {
    DATA_DIRECTORY: dataDirectory,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    JWT_SECRET_KEY: JWT_SECRET,
    TOMO_ADMIN_USERNAME: ADMIN.username,
    TOMO_ADMIN_PASSWORD: ADMIN.password,
    LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
    ...extra,
  };
}

function baselineEnvironment(dataDirectory) {
  return {
    DATA_DIRECTORY: dataDirectory,
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET_KEY: JWT_SECRET,
  };
}

/** Wraps a started server so that stopping it also removes its temp directory. */
function owning(server, dataDirectory) {
  const stop = server.stop;
  return Object.assign(server, {
    dataDirectory,
    stop: async () => {
      await stop();
      removeTempDirectory(dataDirectory);
    },
  });
}

/** Extra Node options for the Tomo process (BENCH_TOMO_NODE_ARGS, e.g. "--cpu-prof"). */
function tomoNodeArgs() {
  return (process.env.BENCH_TOMO_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/** Tomo, built, with the event-loop probe preloaded (snapshots go to <dataDirectory>/loop.json). */
async function startTomoWithProbe() {
  const dataDirectory = makeTempDirectory('tomo');
  const eventLoopFile = join(dataDirectory, 'event-loop.json');
  const server = await startServer({
    name: 'tomo',
    args: [...tomoNodeArgs(), '--require', `./${EVENT_LOOP_PROBE}`, TOMO_MAIN],
    env: tomoEnvironment(dataDirectory, { TOMO_BENCH_EVENT_LOOP_FILE: eventLoopFile }),
  });
  return Object.assign(owning(server, dataDirectory), { eventLoopFile });
}

/** A consistent copy of Tomo's database (SQLite online backup; safe while Tomo runs in WAL). */
async function copyTomoDatabase(tomoDataDirectory, targetDirectory) {
  const source = new Database(join(tomoDataDirectory, 'tomo.db'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    await source.backup(join(targetDirectory, 'tomo.db'));
  } finally {
    source.close();
  }
}

/** A baseline server over a copy of Tomo's database, in its own temp directory. */
async function startBaseline(name, script, tomoDataDirectory) {
  const dataDirectory = makeTempDirectory(name);
  await copyTomoDatabase(tomoDataDirectory, dataDirectory);
  const server = await startServer({
    name,
    args: [script],
    env: baselineEnvironment(dataDirectory),
  });
  return owning(server, dataDirectory);
}

module.exports = {
  ADMIN,
  BARE_MCP,
  BARE_REST,
  JWT_SECRET,
  TOMO_MAIN,
  assertBuilt,
  baselineEnvironment,
  owning,
  startBaseline,
  tomoNodeArgs,
  startTomoWithProbe,
  tomoEnvironment,
};
