'use strict';

const { request } = require('./support/http');
const { clean, describeLoad, measurePair } = require('./support/load');
const { makeRow } = require('./support/report');
const { ADMIN } = require('./support/servers');

const BASELINE_NAME =
  'bare Express 5 route: the same JWT check (jsonwebtoken) and one better-sqlite3 read of the user row';

async function checkMe(server, headers) {
  const response = await request(`${server.url}/api/v1/auth/me`, { headers });
  let body;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = undefined;
  }
  if (response.status !== 200 || body?.username !== ADMIN.username)
    throw new Error(
      `${server.name} answered GET /api/v1/auth/me with ${response.status}: ${response.text.slice(0, 300)}`,
    );
  return { status: response.status, bytes: Buffer.byteLength(response.text) };
}

/**
 * 2. REST GET /api/v1/auth/me through Tomo vs a bare Express route doing the same work.
 * Target: throughput ratio ≥ 0.7. p99 and CPU per request are shown for information.
 */
async function benchRestAuthMe({ options, tomo, bareRest, token, log }) {
  const headers = { authorization: `Bearer ${token}` };
  const responses = {
    tomo: await checkMe(tomo, headers),
    baseline: await checkMe(bareRest, headers),
  };
  const target = (server) => ({
    url: `${server.url}/api/v1/auth/me`,
    headers,
    connections: options.connections,
    serverPid: server.pid,
  });
  const { a: tomoRun, b: baseRun } = await measurePair({
    a: target(tomo),
    b: target(bareRest),
    rounds: options.rounds,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    onRun: (side, round, summary) =>
      log(describeLoad(`REST ${side === 'a' ? 'tomo' : 'bare'} (round ${round + 1})`, summary)),
  });
  const valid = clean(tomoRun) && clean(baseRun);
  const common = { benchmark: '2. REST GET /api/v1/auth/me', baselineName: BASELINE_NAME, valid };
  const rows = [
    makeRow({
      ...common,
      id: 'rest-me-throughput',
      metric: 'throughput',
      unit: 'req/s',
      tomo: tomoRun.throughput,
      baseline: baseRun.throughput,
      target: { on: 'ratio', op: '>=', value: 0.7 },
    }),
    makeRow({
      ...common,
      id: 'rest-me-p99',
      metric: 'p99 latency',
      unit: 'ms',
      tomo: tomoRun.latencyMs.p99,
      baseline: baseRun.latencyMs.p99,
    }),
    makeRow({
      ...common,
      id: 'rest-me-cpu',
      metric: 'server CPU per request',
      unit: 'ms',
      tomo: tomoRun.serverCpu?.msPerRequest ?? null,
      baseline: baseRun.serverCpu?.msPerRequest ?? null,
    }),
  ];
  return { rows, details: { responses, tomo: tomoRun, baseline: baseRun } };
}

module.exports = { benchRestAuthMe };
