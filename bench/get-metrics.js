'use strict';

const Database = require('better-sqlite3');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { login, request } = require('./support/http');
const { makeTempDirectory, removeTempDirectory, startServer } = require('./support/processes');
const { makeRow } = require('./support/report');
const { ADMIN, TOMO_MAIN, tomoEnvironment, tomoNodeArgs } = require('./support/servers');
const { percentile, round } = require('./support/stats');

const METRICS = [
  'cpu_percent',
  'memory_percent',
  'disk_percent',
  'load_1',
  'net_rx_bytes',
  'net_tx_bytes',
];
const DAYS = 30;
const INTERVAL_MS = 30_000;
const HOUR_MS = 3_600_000;
const TARGET_P95_MS = 50;
const WARMUP_CALLS = 10;
const CALLS = { full: 200, quick: 50 };
/** No periodic work in the measured Tomo: no status checks, no SSH probe. */
const TOMO_ENV = { SERVER_CHECK_INTERVAL_SECONDS: '0', MARKETPLACE_SYNC_INTERVAL_MINUTES: '0' };

const BASELINE_NAME =
  'the same GROUP BY over the samples (one statement per series) run directly on better-sqlite3 in the bench process';

/**
 * The downsampling query over the samples themselves, per series (integer division by the step):
 * what get_metrics would run without the hourly roll-ups, and runs for hours not rolled up yet.
 */
const BUCKET_SQL = `SELECT (sampled_at_ms / ${HOUR_MS}) * ${HOUR_MS} AS t, COUNT(*) AS samples,
  SUM(value) AS sum, MIN(value) AS min, MAX(value) AS max FROM metrics
  WHERE server_id = ? AND metric = ? AND sampled_at_ms BETWEEN ? AND ?
  GROUP BY t ORDER BY t ASC`;

async function startTomo(dataDirectory) {
  return startServer({
    name: 'tomo',
    args: [...tomoNodeArgs(), TOMO_MAIN],
    env: tomoEnvironment(dataDirectory, TOMO_ENV),
  });
}

function stats(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50), 3),
    p95: round(percentile(values, 95), 3),
    max: round(values.length ? Math.max(...values) : null, 3),
  };
}

/** 30 days of 30-second samples of every series for one server, written straight to SQLite. */
function insertSamples(databasePath, serverId, untilMs) {
  const db = new Database(databasePath);
  try {
    const insert = db.prepare(
      'INSERT INTO metrics (server_id, metric, sampled_at_ms, value) VALUES (?, ?, ?, ?)',
    );
    const sinceMs = untilMs - DAYS * 24 * HOUR_MS;
    let rows = 0;
    db.transaction(() => {
      for (const metric of METRICS) {
        for (let at = sinceMs; at < untilMs; at += INTERVAL_MS) {
          // A daily wave plus noise, in the range of each unit.
          const wave = 50 + 40 * Math.sin((at / (24 * HOUR_MS)) * 2 * Math.PI);
          const value = metric.startsWith('net_') ? at / 1000 : wave + Math.random() * 5;
          insert.run(serverId, metric, at, metric === 'load_1' ? value / 25 : value);
          rows += 1;
        }
      }
    })();
    return rows;
  } finally {
    db.close();
  }
}

/** Polls /metrics until tomo_metrics_rollup_lag_seconds is 0. */
async function waitForRollup(url, token) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await request(`${url}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const lag = /^tomo_metrics_rollup_lag_seconds (\S+)$/m.exec(response.text);
    if (lag && Number(lag[1]) === 0) return;
    if (Date.now() > deadline)
      throw new Error(`roll-up still lagging: ${lag?.[1] ?? response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Times `calls` sequential requests (after a warm-up), checking every answer. */
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

function timeSql(databasePath, serverId, metrics, sinceMs, untilMs, calls) {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const statement = db.prepare(BUCKET_SQL);
    const once = () => {
      const started = performance.now();
      let points = 0;
      for (const metric of metrics) {
        points += statement.all(serverId, metric, sinceMs, untilMs).length;
      }
      return { ms: performance.now() - started, points };
    };
    for (let i = 0; i < WARMUP_CALLS; i++) once();
    const times = [];
    let points = 0;
    for (let i = 0; i < calls; i++) {
      const run = once();
      times.push(run.ms);
      points = run.points;
    }
    return { times, points };
  } finally {
    db.close();
  }
}

/**
 * 9. get_metrics over 30 days of 30-second samples (86,400 per series × 6 series, inserted
 * directly into Tomo's database) at a 1-hour resolution, via REST: one series (the target,
 * p95 ≤ 50 ms) and all six. Baseline: the same downsampling SQL over the raw samples on
 * better-sqlite3 (Tomo answers from its hourly roll-ups, so it may beat the baseline).
 */
async function benchGetMetrics({ options, log }) {
  const calls = CALLS[options.profile] ?? CALLS.full;
  const dataDirectory = makeTempDirectory('tomo-metrics');
  const databasePath = join(dataDirectory, 'tomo.db');
  let tomo;
  try {
    // A first start creates the schema and the admin; the server is added through the API.
    tomo = await startTomo(dataDirectory);
    let token = await login(tomo.url, ADMIN.username, ADMIN.password);
    const added = await request(`${tomo.url}/api/v1/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bench',
        hostname: '127.0.0.1',
        port: 1,
        username: 'nobody',
        credential: 'unused',
      }),
    });
    if (added.status !== 201) throw new Error(`add_server answered ${added.status}`);
    const serverId = JSON.parse(added.text).id;
    await tomo.stop();
    tomo = undefined;

    const untilMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const sinceMs = untilMs - DAYS * 24 * HOUR_MS;
    const insertStarted = performance.now();
    const rows = insertSamples(databasePath, serverId, untilMs);
    log(
      `get-metrics: ${rows} samples inserted in ${Math.round(performance.now() - insertStarted)} ms`,
    );

    tomo = await startTomo(dataDirectory);
    token = await login(tomo.url, ADMIN.username, ADMIN.password);
    // Tomo rolls finished hours up at startup, in the background; measure once it is done.
    const rollupStarted = performance.now();
    await waitForRollup(tomo.url, token);
    const rollupMs = Math.round(performance.now() - rollupStarted);
    log(`get-metrics: hourly roll-up of 30 days caught up ${rollupMs} ms after login`);
    const range = `since=${new Date(sinceMs).toISOString()}&until=${new Date(untilMs).toISOString()}&resolution=1h`;
    const base = `${tomo.url}/api/v1/servers/${serverId}/metrics?${range}`;
    const expectPoints = (series) => (body) => {
      if (body.series.length !== series || body.series.some((s) => s.points.length < 720))
        throw new Error(`unexpected get_metrics answer: ${JSON.stringify(body).slice(0, 300)}`);
    };
    // Tomo's floor on this machine now: the cheapest authenticated route, for information.
    const floorRest = await timeRest(`${tomo.url}/api/v1/auth/me`, token, calls, (body) => {
      if (body.username !== ADMIN.username) throw new Error('GET /api/v1/auth/me: wrong user');
    });
    const oneRest = await timeRest(`${base}&metric=cpu_percent`, token, calls, expectPoints(1));
    const allRest = await timeRest(base, token, calls, expectPoints(6));
    await tomo.stop();
    tomo = undefined;

    const oneSql = timeSql(databasePath, serverId, ['cpu_percent'], sinceMs, untilMs, calls);
    const allSql = timeSql(databasePath, serverId, METRICS, sinceMs, untilMs, calls);
    const results = {
      samples: rows,
      rollupCatchUpMs: rollupMs,
      authMeFloor: stats(floorRest),
      one: { rest: stats(oneRest), sql: stats(oneSql.times), points: oneSql.points },
      all: { rest: stats(allRest), sql: stats(allSql.times), points: allSql.points },
    };
    log(
      `get-metrics: GET /api/v1/auth/me p95 ${results.authMeFloor.p95} ms; one series p95 ${results.one.rest.p95} ms (SQL ${results.one.sql.p95} ms), all six p95 ${results.all.rest.p95} ms (SQL ${results.all.sql.p95} ms)`,
    );
    const common = {
      benchmark: '9. get_metrics, 30 days of 30 s samples at 1 h',
      baselineName: BASELINE_NAME,
    };
    const rowsOut = [
      makeRow({
        ...common,
        id: 'get-metrics-one-p95',
        metric: 'p95 latency, one series',
        unit: 'ms',
        tomo: results.one.rest.p95,
        baseline: results.one.sql.p95,
        target: { on: 'tomo', op: '<=', value: TARGET_P95_MS },
      }),
      makeRow({
        ...common,
        id: 'get-metrics-one-p50',
        metric: 'p50 latency, one series',
        unit: 'ms',
        tomo: results.one.rest.p50,
        baseline: results.one.sql.p50,
      }),
      makeRow({
        ...common,
        id: 'get-metrics-all-p95',
        metric: 'p95 latency, all six series',
        unit: 'ms',
        tomo: results.all.rest.p95,
        baseline: results.all.sql.p95,
      }),
      makeRow({
        ...common,
        id: 'get-metrics-all-p50',
        metric: 'p50 latency, all six series',
        unit: 'ms',
        tomo: results.all.rest.p50,
        baseline: results.all.sql.p50,
      }),
    ];
    return { rows: rowsOut, details: results };
  } finally {
    if (tomo) await tomo.stop();
    removeTempDirectory(dataDirectory);
  }
}

module.exports = { benchGetMetrics };
