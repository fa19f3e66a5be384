'use strict';

const Database = require('better-sqlite3');
const { randomBytes, randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { login, request } = require('./support/http');
const { makeTempDirectory, removeTempDirectory, startServer } = require('./support/processes');
const { makeRow } = require('./support/report');
const { ADMIN, TOMO_MAIN, tomoEnvironment, tomoNodeArgs } = require('./support/servers');
const { percentile, round } = require('./support/stats');

const ROWS = { full: 1_000_000, quick: 100_000 };
const CALLS = { full: 200, quick: 50 };
const WARMUP_CALLS = 10;
const TARGET_P95_MS = 50;
const DAY_MS = 86_400_000;
/** The rows span the last year. */
const SPAN_DAYS = 365;
/** No periodic work in the measured Tomo; the daily retention run must not purge the rows. */
const TOMO_ENV = { SERVER_CHECK_INTERVAL_SECONDS: '0', MARKETPLACE_SYNC_INTERVAL_MINUTES: '0' };
const BASELINE_NAME =
  'the same SQL (count + newest page) run directly on better-sqlite3 in the bench process';

const ACTIONS = [
  ...['auth.login', 'auth.logout', 'auth.login_failed', 'user.created', 'user.updated'],
  ...['api_token.created', 'api_token.revoked', 'server.added', 'server.updated', 'server.removed'],
  ...['server.tested', 'server.docker_installed', 'agent.registered', 'agent.installed'],
  ...['app.installed', 'app.updated', 'app.uninstalled', 'app.started', 'app.stopped'],
  ...['marketplace.repository_added', 'marketplace.repository_synced', 'setting.update'],
  ...['setting.reset', 'backup.created', 'backup.restored', 'retention.run', 'command.executed'],
];
const ACTORS = Array.from({ length: 25 }, (_, i) => ({ id: randomUUID(), name: `user${i + 1}` }));
const SOURCES = [
  ...['AgentGateway', 'SshPool', 'DeploymentEngine', 'RepositoriesService', 'metrics'],
  ...['SettingsService', 'AuthService', 'RetentionService', 'NotificationsService'],
  ...['BackupService', 'CommandRouter', 'ServerStatusMonitor'],
];
const WORDS = [
  ...['connection', 'agent', 'server', 'install', 'failed', 'timeout', 'docker', 'sync'],
  ...['catalog', 'session', 'login', 'retry', 'update', 'metrics', 'heartbeat', 'refused'],
];
const HOSTS = Array.from({ length: 200 }, (_, i) => `web-${String(i + 1).padStart(3, '0')}`);

/** A small deterministic generator, so every run measures the same data. */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}
const pick = (random, list) => list[Math.floor(random() * list.length)];
/** 80 % info, 12 % warn, 7 % error, 1 % fatal. */
const level = (r) => (r < 0.8 ? 'info' : r < 0.92 ? 'warn' : r < 0.99 ? 'error' : 'fatal');

function stats(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50), 3),
    p95: round(percentile(values, 95), 3),
    max: round(values.length ? Math.max(...values) : null, 3),
  };
}

/**
 * `rows` audit rows and `rows` log rows over the last year, oldest first, straight into SQLite.
 * For speed the secondary indexes and the search triggers are dropped during the load and made
 * again afterwards from their own DDL (the trigram index rebuilt in one pass): the schema Tomo
 * then opens is exactly the one its migrations made.
 */
function fill(databasePath, rows) {
  const db = new Database(databasePath);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -400000');
    const ddl = db
      .prepare(
        "SELECT name, type, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name IN ('audit_log', 'logs') AND sql IS NOT NULL",
      )
      .all();
    for (const { name, type } of ddl) db.exec(`DROP ${type.toUpperCase()} "${name}"`);
    insertRows(db, rows);
    for (const { sql } of ddl) db.exec(sql);
    db.exec("INSERT INTO logs_fts(logs_fts) VALUES ('rebuild')");
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

function insertRows(db, rows) {
  const random = generator(42);
  const now = Date.now();
  const firstSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_log').get().seq + 1;
  const insertAudit = db.prepare(
    "INSERT INTO audit_log (id, seq, timestamp, actor_type, actor_id, actor_name, interface, action, target_type, target_id, result, ip_address, user_agent, details, prev_hash, hash) VALUES (?, ?, ?, 'user', ?, ?, ?, ?, ?, ?, ?, '10.0.0.7', 'bench/1.0', ?, ?, ?)",
  );
  const insertLog = db.prepare(
    'INSERT INTO logs (timestamp, level, source, message, context, request_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  // Not a valid chain (verify_audit_log is not measured): the hashes are only realistic bytes.
  const hash = randomBytes(32).toString('hex');
  const step = (SPAN_DAYS * DAY_MS) / rows;
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const at = new Date(now - SPAN_DAYS * DAY_MS + i * step).toISOString();
      const actor = pick(random, ACTORS);
      const action = pick(random, ACTIONS);
      insertAudit.run(
        randomUUID(),
        firstSeq + i,
        at,
        actor.id,
        actor.name,
        random() < 0.6 ? 'rest' : 'mcp',
        action,
        action.split('.')[0],
        randomUUID(),
        random() < 0.95 ? 'success' : 'failure',
        JSON.stringify({ host: pick(random, HOSTS) }),
        hash,
        hash,
      );
      const host = pick(random, HOSTS);
      const words = Array.from({ length: 5 }, () => pick(random, WORDS)).join(' ');
      insertLog.run(
        at,
        level(random()),
        pick(random, SOURCES),
        `${words} on ${host}`,
        JSON.stringify({ server: host, attempt: Math.floor(random() * 5) }),
        random() < 0.3 ? randomUUID() : null,
      );
    }
  })();
}

async function timeRest(url, token, calls, check) {
  const headers = { authorization: `Bearer ${token}` };
  const once = async () => {
    const started = performance.now();
    const response = await request(url, { headers });
    const ms = performance.now() - started;
    if (response.status !== 200)
      throw new Error(`GET ${url} answered ${response.status}: ${response.text.slice(0, 300)}`);
    check(JSON.parse(response.text));
    return ms;
  };
  for (let i = 0; i < WARMUP_CALLS; i++) await once();
  const times = [];
  for (let i = 0; i < calls; i++) times.push(await once());
  return times;
}

/** The count and the newest page, as the services ask for them, timed on better-sqlite3. */
function timeSql(databasePath, count, page, parameters, calls) {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const counting = db.prepare(count);
    const paging = db.prepare(page);
    let total = 0;
    const once = () => {
      const started = performance.now();
      total = Object.values(counting.get(...parameters))[0];
      paging.all(...parameters);
      return performance.now() - started;
    };
    for (let i = 0; i < WARMUP_CALLS; i++) once();
    const times = [];
    for (let i = 0; i < calls; i++) times.push(once());
    return { times, total };
  } finally {
    db.close();
  }
}

/** What each measured query asks, through REST and as SQL. */
function cases(since) {
  const warnUp = "('warn', 'error', 'fatal')";
  return [
    {
      id: 'audit-action-since',
      metric: 'query_audit_log action + since (last 90 days)',
      path: `/api/v1/audit?action=auth.login_failed&since=${since}`,
      count: 'SELECT COUNT(*) FROM audit_log WHERE action = ? AND timestamp >= ?',
      page: 'SELECT * FROM audit_log WHERE action = ? AND timestamp >= ? ORDER BY timestamp DESC, seq DESC LIMIT 50',
      parameters: ['auth.login_failed', since],
    },
    {
      id: 'logs-level-source',
      metric: 'query_logs level warn + source',
      path: '/api/v1/logs?level=warn&source=SshPool',
      count: `SELECT COUNT(*) FROM logs WHERE level IN ${warnUp} AND source = ?`,
      page: `SELECT * FROM logs WHERE level IN ${warnUp} AND source = ? ORDER BY id DESC LIMIT 100`,
      parameters: ['SshPool'],
    },
    {
      id: 'logs-search',
      metric: 'query_logs search (a host name)',
      path: '/api/v1/logs?search=web-042',
      count: "SELECT COUNT(*) FROM logs WHERE message LIKE '%' || ? || '%'",
      page: "SELECT * FROM logs WHERE message LIKE '%' || ? || '%' ORDER BY id DESC LIMIT 100",
      parameters: ['web-042'],
    },
    {
      id: 'logs-by-source',
      metric: 'get_logs_by_source',
      path: '/api/v1/logs/sources/DeploymentEngine',
      count: 'SELECT COUNT(*) FROM logs WHERE source = ?',
      page: 'SELECT * FROM logs WHERE source = ? ORDER BY id DESC LIMIT 100',
      parameters: ['DeploymentEngine'],
    },
  ];
}

/**
 * 11. query_audit_log and query_logs over `rows` audit rows and `rows` log rows (1,000,000 each;
 * 100,000 with --quick), written straight into Tomo's SQLite file over a year, then queried via
 * REST with filters: p50/p95, target p95 ≤ 50 ms. Baseline: the same SQL on better-sqlite3 (for
 * the search, the plain LIKE scan a database without Tomo's trigram index would run).
 */
async function benchAuditLogsQuery({ options, log }) {
  const rows = ROWS[options.profile] ?? ROWS.full;
  const calls = CALLS[options.profile] ?? CALLS.full;
  const dataDirectory = makeTempDirectory('tomo-audit-logs');
  const databasePath = join(dataDirectory, 'tomo.db');
  const start = () =>
    startServer({
      name: 'tomo',
      args: [...tomoNodeArgs(), TOMO_MAIN],
      env: tomoEnvironment(dataDirectory, TOMO_ENV),
    });
  let tomo;
  try {
    tomo = await start();
    await tomo.stop();
    tomo = undefined;
    const filled = performance.now();
    fill(databasePath, rows);
    const fillMs = Math.round(performance.now() - filled);
    log(`audit-logs: ${rows} audit rows and ${rows} log rows written in ${fillMs} ms`);

    tomo = await start();
    const token = await login(tomo.url, ADMIN.username, ADMIN.password);
    // The rows span a year: the daily retention run (due at its first tick) would purge most.
    const schedule = await request(
      `${tomo.url}/api/v1/settings/system/retention.schedule_enabled`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: false }),
      },
    );
    if (schedule.status !== 200)
      throw new Error(`turning the retention schedule off: ${schedule.status}`);
    const since = new Date(Date.now() - 90 * DAY_MS).toISOString();
    const results = {};
    for (const measured of cases(since)) {
      let restTotal = -1;
      const times = await timeRest(`${tomo.url}${measured.path}`, token, calls, (body) => {
        if (!Array.isArray(body.items) || typeof body.total !== 'number' || body.total === 0)
          throw new Error(
            `${measured.id}: unexpected answer ${JSON.stringify(body).slice(0, 200)}`,
          );
        restTotal = body.total;
      });
      results[measured.id] = { metric: measured.metric, rest: stats(times), total: restTotal };
    }
    await tomo.stop();
    tomo = undefined;

    for (const measured of cases(since)) {
      const sql = timeSql(databasePath, measured.count, measured.page, measured.parameters, calls);
      const result = results[measured.id];
      result.sql = stats(sql.times);
      // The REST answer may hold a few more rows than the seed (Tomo's own audit rows).
      result.sqlTotal = sql.total;
      log(
        `audit-logs: ${measured.id}: p95 ${result.rest.p95} ms, p50 ${result.rest.p50} ms (SQL p95 ${result.sql.p95} ms); total ${result.total}`,
      );
    }
    const benchmark = `11. query_audit_log and query_logs over ${rows.toLocaleString('en')} rows each`;
    const rowsOut = Object.entries(results).flatMap(([id, result]) => [
      makeRow({
        id: `${id}-p95`,
        benchmark,
        metric: `p95 latency, ${result.metric}`,
        unit: 'ms',
        tomo: result.rest.p95,
        baseline: result.sql.p95,
        baselineName: BASELINE_NAME,
        target: { on: 'tomo', op: '<=', value: TARGET_P95_MS },
        valid: Math.abs(result.total - result.sqlTotal) <= 5,
      }),
      makeRow({
        id: `${id}-p50`,
        benchmark,
        metric: `p50 latency, ${result.metric}`,
        unit: 'ms',
        tomo: result.rest.p50,
        baseline: result.sql.p50,
        baselineName: BASELINE_NAME,
      }),
    ]);
    return { rows: rowsOut, details: { rows, fillMs, calls, results } };
  } finally {
    if (tomo) await tomo.stop();
    removeTempDirectory(dataDirectory);
  }
}

module.exports = { benchAuditLogsQuery };
