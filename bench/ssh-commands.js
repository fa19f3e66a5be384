'use strict';

const { Semaphore } = require('async-mutex');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { login, request, sleep } = require('./support/http');
const { parseRpcResponse, toolsCallRequest } = require('./support/mcp-requests');
const { cpuSeconds } = require('./support/process-cpu');
const { makeTempDirectory, removeTempDirectory, startServer } = require('./support/processes');
const { makeRow } = require('./support/report');
const { ADMIN, TOMO_MAIN, owning, tomoEnvironment, tomoNodeArgs } = require('./support/servers');
const { connect, disconnect, execFresh, execWithRetry } = require('./support/ssh-client');
const { sshdUnavailableReason, startBenchSshd } = require('./support/sshd');
const { mean, percentile, round } = require('./support/stats');

const COMMAND = 'true';
/** sshd MaxSessions and Tomo's MAX_CONCURRENT_CONNECTIONS: channels at once per connection. */
const CHANNELS = 10;
const CALLERS = 50;
const BURST_COMMANDS = 200;
/** A batch gives up after this many failed commands (the sshd or Tomo is then broken). */
const MAX_ERRORS = 10;
/** Between batches: lets sshd's per-session (and, after fresh connections, per-connection) processes exit. */
const SETTLE_MS = 200;

const BASELINES = {
  fresh:
    'a fresh ssh2 connection per command from the bench process (connect + password auth + exec + close, TCP_NODELAY on), same sshd',
  raw: 'raw ssh2 client.exec("true") from the bench process on one already-open connection to the same sshd, TCP_NODELAY on',
  rawNagle:
    "the same raw exec on a connection with ssh2's default socket options (Nagle on), as Tomo's pool opens it",
  burst: `the same ${BURST_COMMANDS} commands from ${CALLERS} callers over one raw ssh2 connection (TCP_NODELAY on), at most ${CHANNELS} channels at once (async-mutex Semaphore, channel opens retried like Tomo's)`,
};

/** Tomo with the periodic status check off and the pool's channel limit at sshd's MaxSessions. */
async function startTomo() {
  const dataDirectory = makeTempDirectory('tomo-ssh');
  try {
    const server = await startServer({
      name: 'tomo',
      args: [...tomoNodeArgs(), TOMO_MAIN],
      env: tomoEnvironment(dataDirectory, {
        SERVER_CHECK_INTERVAL_SECONDS: '0',
        MAX_CONCURRENT_CONNECTIONS: String(CHANNELS),
      }),
    });
    return owning(server, dataDirectory);
  } catch (error) {
    removeTempDirectory(dataDirectory);
    throw error;
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** POST /api/v1/servers for the sshd's user (password login); the server must come up online. */
async function addServer(tomo, token, sshd) {
  const response = await request(`${tomo.url}/api/v1/servers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      hostname: sshd.host,
      port: sshd.port,
      username: sshd.username,
      credential: sshd.password,
    }),
  });
  const body = parseJson(response.text);
  if (response.status >= 300 || !body?.id)
    throw new Error(`POST /api/v1/servers answered ${response.status}: ${response.text}`);
  if (body.status !== 'online')
    throw new Error(`the server was added as ${body.status}: ${body.status_error ?? '?'}`);
  return body.id;
}

/**
 * How Tomo runs `true`, through its two faces: REST and MCP tools/call (2026-07-28 request shape,
 * answered as plain JSON). Each call throws unless the command ran over SSH and succeeded.
 */
function tomoCalls(tomo, token, serverId) {
  const restUrl = `${tomo.url}/api/v1/servers/${serverId}/commands`;
  const restShape = {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ command: COMMAND }),
  };
  const mcpShape = toolsCallRequest('2026', token, 'execute_command', {
    server_id: serverId,
    command: COMMAND,
  });
  return {
    me: async (agent) => {
      const response = await request(`${tomo.url}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${token}` },
        agent,
      });
      if (response.status !== 200)
        throw new Error(`GET /api/v1/auth/me answered ${response.status}: ${response.text}`);
    },
    rest: async (agent) => {
      const response = await request(restUrl, { ...restShape, agent });
      const body = parseJson(response.text);
      if (response.status !== 200 || body?.success !== true || body.method !== 'ssh')
        throw new Error(`REST answered ${response.status}: ${response.text.slice(0, 300)}`);
      return body.execution_time_ms;
    },
    mcp: async (agent) => {
      const response = await request(`${tomo.url}/mcp`, { ...mcpShape, agent });
      let result;
      try {
        result = parseRpcResponse(response.headers['content-type'], response.text).result;
      } catch {
        result = undefined;
      }
      if (response.status !== 200 || result?.isError || result?.structuredContent?.success !== true)
        throw new Error(`MCP answered ${response.status}: ${response.text.slice(0, 300)}`);
      return result.structuredContent.execution_time_ms;
    },
    restShape: { url: restUrl, body: JSON.parse(restShape.body) },
    mcpShape: {
      url: `${tomo.url}/mcp`,
      headers: mcpShape.headers,
      body: JSON.parse(mcpShape.body),
    },
  };
}

function exitedZero(exitCode) {
  if (exitCode !== 0) throw new Error(`"${COMMAND}" exited with ${exitCode}`);
}

function keepAliveAgent(maxSockets) {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/**
 * Latencies (ms) of commands run by one or more batches, and what failed. For Tomo's faces also
 * `outside`: latency − the execution_time_ms Tomo reports (its own time around the SSH exec:
 * HTTP, auth, validation, database reads, audit write, serialization).
 */
function newSeries() {
  return {
    latencies: [],
    outside: [],
    errors: [],
    cpuSeconds: 0,
    logins: 0,
    refusals: 0,
    batches: [],
  };
}

function describe(error) {
  return error instanceof Error ? error.message : String(error);
}

/** `n` commands one after another (one in flight), each timed from call to completion. */
async function sequential(n, runOne, series) {
  const latencies = [];
  for (let i = 0; i < n; i += 1) {
    const started = performance.now();
    try {
      const execMs = await runOne();
      const latency = performance.now() - started;
      latencies.push(latency);
      if (typeof execMs === 'number') series.outside.push(latency - execMs);
    } catch (error) {
      series.errors.push(describe(error));
      if (series.errors.length > MAX_ERRORS)
        throw new Error(`more than ${MAX_ERRORS} failed commands, first: ${series.errors[0]}`, {
          cause: error,
        });
    }
  }
  series.latencies.push(...latencies);
  return latencies;
}

/**
 * `BURST_COMMANDS` commands from `CALLERS` concurrent callers, each running its share one after
 * another. Latency per command from the caller's call (queueing included); throughput = commands
 * ÷ the burst's wall time.
 */
async function burst(runOne, series) {
  const latencies = [];
  const perCaller = BURST_COMMANDS / CALLERS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      for (let i = 0; i < perCaller; i += 1) {
        const callStarted = performance.now();
        try {
          await runOne();
          latencies.push(performance.now() - callStarted);
        } catch (error) {
          series.errors.push(describe(error));
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  series.latencies.push(...latencies);
  series.batches.push({ seconds: round(seconds, 4), ok: latencies.length });
  return { seconds, latencies };
}

function stats(latencies) {
  return {
    p50: round(percentile(latencies, 50), 3),
    p90: round(percentile(latencies, 90), 3),
    p99: round(percentile(latencies, 99), 3),
    max: round(latencies.length ? Math.max(...latencies) : null, 3),
    mean: round(mean(latencies), 3),
  };
}

function summarizeSeries(series) {
  return {
    commands: series.latencies.length,
    errors: series.errors.length,
    firstErrors: series.errors.slice(0, 3),
    latencyMs: stats(series.latencies),
    ...(series.outside.length ? { outsideSshExecMs: stats(series.outside) } : {}),
    sshdLogins: series.logins,
    sshdChannelRefusals: series.refusals,
  };
}

function describeBatch(label, latencies) {
  const s = stats(latencies);
  return `${label}: ${latencies.length} commands, p50 ${s.p50} ms, p99 ${s.p99} ms`;
}

/** CPU seconds the bench process has used so far (user + system). */
function benchCpuSeconds() {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
}

/**
 * 5. Commands over SSH against a real OpenSSH server on loopback (test/support/sshd.ts, a
 * throwaway user with a password, MaxSessions 10), Tomo started on its own with
 * SERVER_CHECK_INTERVAL_SECONDS=0 and MAX_CONCURRENT_CONNECTIONS=10.
 *
 * a. Sequential `true` (one in flight): Tomo's REST execute_command over its pooled connection
 *    vs a fresh ssh2 connection per command. Target: Tomo p50 ≤ 0.2 × fresh p50.
 * b. The same Tomo figures (REST, and MCP tools/call for information) vs raw ssh2 exec on an
 *    open connection. Target: Tomo REST p50 − raw p50 ≤ 1.5 ms. For information also against
 *    raw exec with ssh2's default socket options (Nagle on), which is what Tomo's pool uses.
 * c. 200 commands from 50 concurrent callers: Tomo REST vs one raw connection limited to 10
 *    channels; throughput and p99 for information.
 *
 * Sequential kinds run in `rounds` rounds of batches, in alternating order (A B C …, then … C B
 * A) so that drifts in background load hit every kind alike; bursts alternate likewise. Fresh
 * connections get a third of the iterations (each costs 5–10 × a pooled command).
 * Skipped (not failed) when this machine cannot run an sshd.
 */
async function benchSshCommands({ options, log }) {
  const skipReason = sshdUnavailableReason();
  if (skipReason) return { rows: [], details: {}, skipped: skipReason };

  let sshd;
  let tomo;
  const clients = [];
  const agents = [];
  try {
    sshd = await startBenchSshd({ maxSessions: CHANNELS });
    log(`sshd (pid ${sshd.pid}) on ${sshd.host}:${sshd.port}, user ${sshd.username}`);
    tomo = await startTomo();
    log(`tomo (pid ${tomo.pid}) at ${tomo.url}`);
    const token = await login(tomo.url, ADMIN.username, ADMIN.password);
    const serverId = await addServer(tomo, token, sshd);
    const calls = tomoCalls(tomo, token, serverId);
    const raw = await connect(sshd);
    clients.push(raw);
    const rawNagle = await connect(sshd, { noDelay: false });
    clients.push(rawNagle);
    // From sshd's log: logins (Tomo's must stay at 0 while measured: one pooled connection) and
    // channel opens refused for MaxSessions ("no more sessions"; both sides retry those).
    const sshdCounts = () => {
      const text = sshd.log();
      return {
        logins: (text.match(/Accepted password for/g) ?? []).length,
        refusals: (text.match(/no more sessions/g) ?? []).length,
      };
    };
    const countInto = (s, before) => {
      const after = sshdCounts();
      s.logins += after.logins - before.logins;
      s.refusals += after.refusals - before.refusals;
    };
    const tomoCpu = () => cpuSeconds(tomo.pid);

    // The sequential kinds: how one command runs, whose CPU is measured around its batches.
    const kinds = {
      rest: { label: 'tomo REST', agent: true, cpu: tomoCpu, run: (a) => () => calls.rest(a) },
      mcp: { label: 'tomo MCP', agent: true, cpu: tomoCpu, run: (a) => () => calls.mcp(a) },
      raw: {
        label: 'raw exec',
        cpu: benchCpuSeconds,
        run: () => async () => exitedZero(await execWithRetry(raw, COMMAND)),
      },
      rawNagle: {
        label: 'raw exec, Nagle on',
        cpu: benchCpuSeconds,
        run: () => async () => exitedZero(await execWithRetry(rawNagle, COMMAND)),
      },
      fresh: {
        label: 'fresh connection',
        cpu: benchCpuSeconds,
        share: 1 / 3,
        run: () => async () => exitedZero(await execFresh(sshd, COMMAND)),
      },
    };
    const series = Object.fromEntries(Object.keys(kinds).map((name) => [name, newSeries()]));
    const runBatch = async (name, n, s) => {
      const kind = kinds[name];
      // Tomo's faces: a keep-alive connection of the batch's own, opened by one unmeasured call.
      const agent = kind.agent ? keepAliveAgent(1) : undefined;
      if (agent) agents.push(agent);
      const runOne = kind.run(agent);
      if (agent) await runOne();
      const countsBefore = sshdCounts();
      const cpuBefore = kind.cpu();
      const latencies = await sequential(n, runOne, s);
      s.cpuSeconds += kind.cpu() - cpuBefore;
      countInto(s, countsBefore);
      agent?.destroy();
      await sleep(SETTLE_MS);
      return latencies;
    };

    const order = Object.keys(kinds);
    const share = (name, n) => Math.max(1, Math.ceil(n * (kinds[name].share ?? 1)));
    for (const name of order)
      await runBatch(name, share(name, options.sshWarmupIterations), newSeries());
    log(`ssh warm-up: ${options.sshWarmupIterations} commands of each kind (fresh: a third)`);
    for (let r = 0; r < options.rounds; r += 1) {
      for (const name of r % 2 === 0 ? order : [...order].reverse()) {
        const n = share(name, options.sshIterations / options.rounds);
        const latencies = await runBatch(name, n, series[name]);
        log(describeBatch(`ssh ${kinds[name].label} (round ${r + 1})`, latencies));
      }
    }

    // Bursts. Each caller of Tomo has a keep-alive connection of its own, opened just before the
    // burst by 50 concurrent GET /api/v1/auth/me (unmeasured): reusing connections left idle for
    // longer than the server's keep-alive timeout (5 s) can end in ECONNRESET.
    const burstSeries = { tomo: newSeries(), raw: newSeries() };
    const rawCounters = { retries: 0 };
    const channels = new Semaphore(CHANNELS);
    const sides = {
      tomo: {
        cpu: tomoCpu,
        prepare: async () => {
          const agent = keepAliveAgent(CALLERS);
          agents.push(agent);
          await Promise.all(Array.from({ length: CALLERS }, () => calls.me(agent)));
          return { run: () => calls.rest(agent), done: () => agent.destroy() };
        },
      },
      raw: {
        cpu: benchCpuSeconds,
        prepare: async () => ({
          run: async () =>
            exitedZero(await channels.runExclusive(() => execWithRetry(raw, COMMAND, rawCounters))),
          done: () => undefined,
        }),
      },
    };
    const runBurst = async (side, s) => {
      const { run, done } = await sides[side].prepare();
      const countsBefore = sshdCounts();
      const cpuBefore = sides[side].cpu();
      const outcome = await burst(run, s);
      s.cpuSeconds += sides[side].cpu() - cpuBefore;
      countInto(s, countsBefore);
      done();
      await sleep(SETTLE_MS);
      return outcome;
    };
    for (const side of ['tomo', 'raw']) await runBurst(side, newSeries());
    log(`ssh burst warm-up: one burst of ${BURST_COMMANDS} each`);
    rawCounters.retries = 0;
    for (let b = 0; b < options.sshBursts; b += 1) {
      for (const side of b % 2 === 0 ? ['tomo', 'raw'] : ['raw', 'tomo']) {
        const { seconds, latencies } = await runBurst(side, burstSeries[side]);
        log(
          `${describeBatch(`ssh burst ${side} (#${b + 1})`, latencies)}, ${round(latencies.length / seconds, 1)} commands/s`,
        );
      }
    }

    const tomoLogins = series.rest.logins + series.mcp.logins + burstSeries.tomo.logins;
    if (tomoLogins > 0)
      log(`warning: Tomo logged in ${tomoLogins} times while measured (pool reconnected)`);
    return report({ options, series, burstSeries, rawCounters, calls, sshd, tomoLogins });
  } finally {
    for (const agent of agents) agent.destroy();
    try {
      if (tomo) await tomo.stop();
      for (const client of clients) await disconnect(client);
    } finally {
      if (sshd) await sshd.stop();
    }
  }
}

/** Difference of two p50s, or null when either is missing. */
function p50Difference(a, b) {
  return a.latencyMs.p50 === null || b.latencyMs.p50 === null
    ? null
    : a.latencyMs.p50 - b.latencyMs.p50;
}

function report({ options, series, burstSeries, rawCounters, calls, sshd, tomoLogins }) {
  const seq = Object.fromEntries(
    Object.entries(series).map(([name, s]) => [name, summarizeSeries(s)]),
  );
  const valid = (...names) => names.every((name) => seq[name].errors === 0);
  const cpuMs = (s) => (s.latencies.length ? (s.cpuSeconds * 1000) / s.latencies.length : null);
  const burstFigures = (s) => {
    const seconds = s.batches.reduce((sum, b) => sum + b.seconds, 0);
    return {
      ...summarizeSeries(s),
      throughput: seconds > 0 ? s.latencies.length / seconds : null,
      cpuMsPerCommand: round(cpuMs(s), 4),
      bursts: s.batches.map((b) => ({ ...b, throughput: round(b.ok / b.seconds, 1) })),
    };
  };
  const bursts = { tomo: burstFigures(burstSeries.tomo), raw: burstFigures(burstSeries.raw) };
  const a = {
    benchmark: `5a. SSH "${COMMAND}", sequential: Tomo REST (pooled) vs a fresh connection per command (${seq.rest.commands} vs ${seq.fresh.commands})`,
    baselineName: BASELINES.fresh,
    valid: valid('rest', 'fresh'),
  };
  const b = {
    benchmark: `5b. SSH "${COMMAND}", sequential: Tomo vs raw ssh2 exec on an open connection (${seq.rest.commands} each)`,
    baselineName: BASELINES.raw,
    valid: valid('rest', 'mcp', 'raw'),
  };
  const bNagle = {
    benchmark: b.benchmark,
    baselineName: BASELINES.rawNagle,
    valid: valid('rest', 'rawNagle'),
  };
  const c = {
    benchmark: `5c. SSH ${BURST_COMMANDS} × "${COMMAND}", ${CALLERS} concurrent callers, one server, ${CHANNELS} channels (${options.sshBursts} bursts each)`,
    baselineName: BASELINES.burst,
    valid: bursts.tomo.errors === 0 && bursts.raw.errors === 0,
  };
  const rows = [
    makeRow({
      ...a,
      id: 'ssh-pooled-vs-fresh-p50',
      metric: 'p50 latency',
      unit: 'ms',
      tomo: seq.rest.latencyMs.p50,
      baseline: seq.fresh.latencyMs.p50,
      target: { on: 'ratio', op: '<=', value: 0.2 },
    }),
    makeRow({
      ...a,
      id: 'ssh-pooled-vs-fresh-p99',
      metric: 'p99 latency',
      unit: 'ms',
      tomo: seq.rest.latencyMs.p99,
      baseline: seq.fresh.latencyMs.p99,
    }),
    makeRow({
      ...b,
      id: 'ssh-rest-p50',
      metric: 'REST p50 latency',
      unit: 'ms',
      tomo: seq.rest.latencyMs.p50,
      baseline: seq.raw.latencyMs.p50,
    }),
    makeRow({
      ...b,
      id: 'ssh-rest-p50-overhead',
      metric: 'REST p50 overhead, Tomo − raw',
      unit: 'ms',
      tomo: p50Difference(seq.rest, seq.raw),
      baseline: null,
      target: { on: 'tomo', op: '<=', value: 1.5 },
    }),
    makeRow({
      ...b,
      id: 'ssh-rest-p99',
      metric: 'REST p99 latency',
      unit: 'ms',
      tomo: seq.rest.latencyMs.p99,
      baseline: seq.raw.latencyMs.p99,
    }),
    makeRow({
      ...b,
      id: 'ssh-mcp-p50',
      metric: 'MCP tools/call p50 latency',
      unit: 'ms',
      tomo: seq.mcp.latencyMs.p50,
      baseline: seq.raw.latencyMs.p50,
    }),
    makeRow({
      ...bNagle,
      id: 'ssh-rest-p50-vs-nagle',
      metric: 'REST p50 latency vs raw with Nagle on',
      unit: 'ms',
      tomo: seq.rest.latencyMs.p50,
      baseline: seq.rawNagle.latencyMs.p50,
    }),
    makeRow({
      ...b,
      id: 'ssh-rest-outside-exec-p50',
      metric: "REST: Tomo's own time per command (latency − execution_time_ms), p50",
      unit: 'ms',
      tomo: seq.rest.outsideSshExecMs?.p50 ?? null,
      baseline: null,
    }),
    makeRow({
      ...b,
      id: 'ssh-cpu',
      metric: 'CPU per command: Tomo server (REST) vs bench process (raw)',
      unit: 'ms',
      tomo: cpuMs(series.rest),
      baseline: cpuMs(series.raw),
    }),
    makeRow({
      ...c,
      id: 'ssh-burst-throughput',
      metric: 'throughput',
      unit: 'cmd/s',
      tomo: bursts.tomo.throughput,
      baseline: bursts.raw.throughput,
    }),
    makeRow({
      ...c,
      id: 'ssh-burst-p99',
      metric: 'p99 latency',
      unit: 'ms',
      tomo: bursts.tomo.latencyMs.p99,
      baseline: bursts.raw.latencyMs.p99,
    }),
  ];
  return {
    rows,
    details: {
      command: COMMAND,
      sshd: { host: sshd.host, port: sshd.port, maxSessions: CHANNELS, auth: 'password' },
      tomo: {
        env: { SERVER_CHECK_INTERVAL_SECONDS: '0', MAX_CONCURRENT_CONNECTIONS: String(CHANNELS) },
        rest: calls.restShape,
        mcp: {
          ...calls.mcpShape,
          headers: { ...calls.mcpShape.headers, authorization: 'Bearer <session JWT>' },
        },
        loginsWhileMeasured: tomoLogins,
      },
      iterations: {
        perKind: options.sshIterations,
        fresh: seq.fresh.commands + seq.fresh.errors,
        warmupPerKind: options.sshWarmupIterations,
        rounds: options.rounds,
      },
      sequential: {
        ...seq,
        p50DifferenceMs: {
          restMinusRaw: round(p50Difference(seq.rest, seq.raw), 3),
          mcpMinusRaw: round(p50Difference(seq.mcp, seq.raw), 3),
          restMinusRawNagle: round(p50Difference(seq.rest, seq.rawNagle), 3),
          mcpMinusRawNagle: round(p50Difference(seq.mcp, seq.rawNagle), 3),
        },
        cpuMsPerCommand: {
          tomoServerRest: round(cpuMs(series.rest), 4),
          tomoServerMcp: round(cpuMs(series.mcp), 4),
          benchProcessRaw: round(cpuMs(series.raw), 4),
          benchProcessRawNagle: round(cpuMs(series.rawNagle), 4),
          benchProcessFresh: round(cpuMs(series.fresh), 4),
        },
      },
      bursts: {
        callers: CALLERS,
        commandsPerBurst: BURST_COMMANDS,
        channels: CHANNELS,
        tomo: bursts.tomo,
        raw: { ...bursts.raw, channelOpenRetries: rawCounters.retries },
      },
    },
  };
}

module.exports = { benchSshCommands };
