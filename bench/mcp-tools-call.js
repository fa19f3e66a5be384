'use strict';

const { request } = require('./support/http');
const { clean, describeLoad, measureLoad, measurePair } = require('./support/load');
const { ERAS, parseRpcResponse, toolsCallRequest } = require('./support/mcp-requests');
const { makeRow } = require('./support/report');
const { ADMIN } = require('./support/servers');

const BASELINE_NAME =
  'bare SDK v2 server: createMcpHandler + toNodeHandler on Express 5, one McpServer tool doing the same JWT check and one SQLite read of the user row';

/** One tools/call must return the admin's user view, or the load figures would mean nothing. */
async function checkToolsCall(server, shape, era) {
  const response = await request(`${server.url}/mcp`, shape);
  let result;
  try {
    result = parseRpcResponse(response.headers['content-type'], response.text).result;
  } catch {
    result = undefined;
  }
  if (response.status !== 200 || result?.structuredContent?.username !== ADMIN.username)
    throw new Error(
      `${server.name} answered a ${era} tools/call with ${response.status}: ${response.text.slice(0, 300)}`,
    );
  return {
    status: response.status,
    contentType: response.headers['content-type'],
    bytes: Buffer.byteLength(response.text),
  };
}

/**
 * 1. MCP tools/call of get_current_user through Tomo vs the bare SDK v2 server, in both protocol
 * eras. Targets: throughput ratio ≥ 0.8 and p99 latency ratio ≤ 1.5 (Tomo ÷ baseline).
 */
async function benchMcpToolsCall({ options, tomo, bareMcp, token, log }) {
  const rows = [];
  const details = {};
  // This is the first load on freshly started servers: give each one an unmeasured run of both
  // request shapes first, so the first measured round is not also Tomo's JIT warm-up.
  for (const era of ['2025', '2026'])
    for (const server of [tomo, bareMcp])
      await measureLoad({
        url: `${server.url}/mcp`,
        ...toolsCallRequest(era, token),
        connections: options.connections,
        warmupSeconds: 0,
        durationSeconds: options.warmupSeconds,
      });
  log(`primed both MCP servers with ${options.warmupSeconds} s of each era`);
  for (const era of ['2025', '2026']) {
    const shape = toolsCallRequest(era, token);
    const responses = {
      tomo: await checkToolsCall(tomo, shape, era),
      baseline: await checkToolsCall(bareMcp, shape, era),
    };
    const target = (server) => ({
      url: `${server.url}/mcp`,
      ...shape,
      connections: options.connections,
      serverPid: server.pid,
    });
    const { a: tomoRun, b: baseRun } = await measurePair({
      a: target(tomo),
      b: target(bareMcp),
      rounds: options.rounds,
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
      onRun: (side, round, summary) =>
        log(
          describeLoad(
            `MCP ${era} ${side === 'a' ? 'tomo' : 'bare'} (round ${round + 1})`,
            summary,
          ),
        ),
    });

    const valid = clean(tomoRun) && clean(baseRun);
    const benchmark = `1. MCP tools/call get_current_user (${ERAS[era].label})`;
    const common = { benchmark, baselineName: BASELINE_NAME, valid };
    rows.push(
      makeRow({
        ...common,
        id: `mcp-${era}-throughput`,
        metric: 'throughput',
        unit: 'req/s',
        tomo: tomoRun.throughput,
        baseline: baseRun.throughput,
        target: { on: 'ratio', op: '>=', value: 0.8 },
      }),
      makeRow({
        ...common,
        id: `mcp-${era}-p99`,
        metric: 'p99 latency',
        unit: 'ms',
        tomo: tomoRun.latencyMs.p99,
        baseline: baseRun.latencyMs.p99,
        target: { on: 'ratio', op: '<=', value: 1.5 },
      }),
      makeRow({
        ...common,
        id: `mcp-${era}-p50`,
        metric: 'p50 latency',
        unit: 'ms',
        tomo: tomoRun.latencyMs.p50,
        baseline: baseRun.latencyMs.p50,
      }),
      makeRow({
        ...common,
        id: `mcp-${era}-cpu`,
        metric: 'server CPU per call',
        unit: 'ms',
        tomo: tomoRun.serverCpu?.msPerRequest ?? null,
        baseline: baseRun.serverCpu?.msPerRequest ?? null,
      }),
    );
    details[era] = {
      request: {
        headers: { ...shape.headers, authorization: 'Bearer <session JWT>' },
        body: JSON.parse(shape.body),
      },
      responses,
      tomo: tomoRun,
      baseline: baseRun,
    };
  }
  return { rows, details };
}

module.exports = { benchMcpToolsCall };
