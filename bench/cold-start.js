'use strict';

const { performance } = require('node:perf_hooks');
const { firstOk, sleep } = require('./support/http');
const {
  makeTempDirectory,
  removeTempDirectory,
  residentMegabytes,
  startServer,
} = require('./support/processes');
const { makeRow } = require('./support/report');
const { median, round } = require('./support/stats');
const { BARE_REST, TOMO_MAIN, baselineEnvironment, tomoEnvironment } = require('./support/servers');

const BASELINE_NAME =
  'bare Express 5 + better-sqlite3 server (bench/baselines/bare-rest-server.js)';
const SIDES = [
  ['tomo', 'tomo'],
  ['baseline', 'bare'],
];

/** Spawn → first 200 from /health/ready, in `dataDirectory`. */
async function startUntilReady(kind, dataDirectory) {
  const server = await startServer(
    kind === 'tomo'
      ? { name: 'tomo', args: [TOMO_MAIN], env: tomoEnvironment(dataDirectory) }
      : { name: 'bare', args: [BARE_REST], env: baselineEnvironment(dataDirectory) },
  );
  let readyAt;
  try {
    readyAt = await firstOk(`${server.url}/health/ready`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    readyAt,
    listeningMs: round(server.listeningAt - server.startedAt, 1),
    readyMs: round(readyAt - server.startedAt, 1),
  };
}

/**
 * 4. Cold start and idle memory. Tomo and the bare server start alternately, `coldStartRuns`
 * times each, every time in a fresh temp data directory (so Tomo runs its migrations and creates
 * its admin, as on a first start). Reported: the median spawn → first 200 from /health/ready
 * (target ≤ 2 s). The last process of each is left idle for `idleSeconds` after it became ready
 * and its VmRSS read from /proc (target ≤ 150 MiB). Then, for information, `restartRuns`
 * restarts of each on that existing data directory (no migrations, admin already there).
 */
async function benchColdStart({ options, log }) {
  const runs = { tomo: [], baseline: [] };
  const restarts = { tomo: [], baseline: [] };
  const directories = {};
  const last = {};
  const rss = {};
  try {
    for (let i = 0; i < options.coldStartRuns; i += 1) {
      for (const [side, kind] of SIDES) {
        const directory = makeTempDirectory(`cold-${kind}`);
        const run = await startUntilReady(kind, directory);
        runs[side].push({ listeningMs: run.listeningMs, readyMs: run.readyMs });
        log(`cold start ${kind} #${i + 1}: ready in ${run.readyMs} ms`);
        if (i < options.coldStartRuns - 1) {
          await run.server.stop();
          removeTempDirectory(directory);
        } else {
          last[side] = run;
          directories[side] = directory;
        }
      }
    }

    for (const [side] of SIDES) {
      const wait = last[side].readyAt + options.idleSeconds * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
      rss[side] = residentMegabytes(last[side].server.pid);
    }
    log(`idle RSS: tomo ${round(rss.tomo, 1)} MiB, bare ${round(rss.baseline, 1)} MiB`);
    for (const [side] of SIDES) await last[side].server.stop();

    for (let i = 0; i < options.restartRuns; i += 1) {
      for (const [side, kind] of SIDES) {
        const run = await startUntilReady(kind, directories[side]);
        restarts[side].push({ listeningMs: run.listeningMs, readyMs: run.readyMs });
        log(`restart ${kind} #${i + 1}: ready in ${run.readyMs} ms`);
        await run.server.stop();
      }
    }
  } finally {
    for (const run of Object.values(last)) await run.server.stop();
    for (const directory of Object.values(directories)) removeTempDirectory(directory);
  }

  const medianReady = (list) => median(list.map((r) => r.readyMs));
  const rows = [
    makeRow({
      benchmark: `4. Cold start to /health/ready, fresh data directory (median of ${options.coldStartRuns})`,
      id: 'cold-start-ready',
      metric: 'spawn → ready',
      unit: 'ms',
      tomo: medianReady(runs.tomo),
      baseline: medianReady(runs.baseline),
      baselineName: BASELINE_NAME,
      target: { on: 'tomo', op: '<=', value: 2000 },
    }),
    makeRow({
      benchmark: `4. Idle RSS, ${options.idleSeconds} s after a cold start`,
      id: 'idle-rss',
      metric: 'VmRSS',
      unit: 'MiB',
      tomo: rss.tomo,
      baseline: rss.baseline,
      baselineName: BASELINE_NAME,
      target: { on: 'tomo', op: '<=', value: 150 },
    }),
  ];
  if (options.restartRuns > 0)
    rows.push(
      makeRow({
        benchmark: `4. Restart to /health/ready, existing data directory (median of ${options.restartRuns})`,
        id: 'restart-ready',
        metric: 'spawn → ready',
        unit: 'ms',
        tomo: medianReady(restarts.tomo),
        baseline: medianReady(restarts.baseline),
        baselineName: BASELINE_NAME,
      }),
    );
  return {
    rows,
    details: {
      coldStarts: runs,
      restarts,
      idleRssMiB: { tomo: round(rss.tomo, 1), baseline: round(rss.baseline, 1) },
    },
  };
}

module.exports = { benchColdStart };
