'use strict';

const { measureBcryptLimit } = require('./support/bcrypt-limit');
const { EventLoopSnapshots } = require('./support/event-loop-snapshots');
const { login, sleep } = require('./support/http');
const { clean, describeLoad, measureLoad } = require('./support/load');
const { makeRow } = require('./support/report');
const { round } = require('./support/stats');
const { ADMIN } = require('./support/servers');

/**
 * 3. Concurrent logins: autocannon POSTs /api/v1/auth/login on `connections` connections.
 * Throughput target: ≥ 0.9 × the bcrypt limit measured in this run (min(cores, thread pool) ÷
 * time of one bcrypt compare at cost 12). Event-loop target: the server's loop delay p99
 * ≤ 20 ms during the measured window, read by the preloaded probe; its baseline is the same
 * server's loop over an idle window just before the load.
 */
async function benchConcurrentLogins({ options, tomo, log }) {
  await login(tomo.url, ADMIN.username, ADMIN.password); // the request shape works

  const bcrypt = await measureBcryptLimit(options.bcryptSamples);
  log(
    `bcrypt cost ${bcrypt.cost}: one compare ${bcrypt.compareMs} ms, ${bcrypt.parallel} in parallel ` +
      `→ limit ${round(bcrypt.limitPerSecond, 2)} logins/s`,
  );

  const loop = new EventLoopSnapshots(tomo.pid, tomo.eventLoopFile);
  loop.mark();
  await sleep(options.idleLoopSeconds * 1000);
  const idle = await loop.read(loop.mark());

  let windowSeq = null;
  const result = await measureLoad({
    url: `${tomo.url}/api/v1/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
    connections: options.connections,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    serverPid: tomo.pid,
    onWindow: {
      start: () => loop.mark(),
      end: () => (windowSeq = loop.mark()),
    },
  });
  log(describeLoad('logins tomo', result));
  const loaded = await loop.read(windowSeq);
  log(
    `event-loop delay p99: ${round(loaded.p99Ms, 2)} ms under load, ${round(idle.p99Ms, 2)} ms idle`,
  );

  const valid = clean(result);
  const benchmark = `3. ${options.connections} concurrent logins`;
  const rows = [
    makeRow({
      benchmark,
      id: 'login-throughput',
      metric: 'throughput',
      unit: 'logins/s',
      tomo: result.throughput,
      baseline: bcrypt.limitPerSecond,
      baselineName: `bcrypt limit measured in the bench process: min(cores, UV_THREADPOOL_SIZE or 4) = ${bcrypt.parallel} ÷ ${bcrypt.compareMs} ms per compare at cost ${bcrypt.cost}`,
      target: { on: 'ratio', op: '>=', value: 0.9 },
      valid,
    }),
    makeRow({
      benchmark: `${benchmark}: server event loop`,
      id: 'login-event-loop-p99',
      metric: 'loop delay p99',
      unit: 'ms',
      tomo: loaded.p99Ms,
      baseline: idle.p99Ms,
      baselineName:
        'the same Tomo process idle just before the load (monitorEventLoopDelay, resolution 1 ms: idle reads ≈ 1 ms)',
      target: { on: 'tomo', op: '<=', value: 20 },
      valid,
    }),
    makeRow({
      benchmark: `${benchmark}: server CPU`,
      id: 'login-cpu',
      metric: 'CPU per login',
      unit: 'ms',
      tomo: result.serverCpu?.msPerRequest ?? null,
      baseline: bcrypt.compareMs,
      baselineName: `one bcrypt compare at cost ${bcrypt.cost}, timed in the bench process (Tomo used ${result.serverCpu?.cores ?? '?'} cores over the window)`,
      valid,
    }),
  ];
  return { rows, details: { bcrypt, eventLoop: { idle, underLoad: loaded }, load: result } };
}

module.exports = { benchConcurrentLogins };
