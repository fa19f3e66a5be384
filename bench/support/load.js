'use strict';

const autocannon = require('autocannon');
const { performance } = require('node:perf_hooks');
const { cpuSeconds } = require('./process-cpu');
const { percentile, round } = require('./stats');

/**
 * Figures of one or more measured windows: throughput over their total length, exact latency
 * percentiles over all their 2xx responses, the server's CPU per request.
 */
function summarize(windows) {
  const latencies = windows.flatMap((w) => w.latencies);
  const seconds = windows.reduce((sum, w) => sum + w.seconds, 0);
  const sum = (key) => windows.reduce((total, w) => total + w[key], 0);
  const statusCodes = {};
  for (const w of windows)
    for (const [code, count] of Object.entries(w.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const cpu = windows.every((w) => w.cpuSeconds !== null) ? sum('cpuSeconds') : null;
  const ok = latencies.length;
  const requests = sum('responses');
  return {
    windows: windows.length,
    seconds: round(seconds, 3),
    requests,
    ok,
    non2xx: requests - ok,
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    statusCodes,
    throughput: seconds > 0 ? ok / seconds : null,
    serverCpu:
      cpu === null
        ? null
        : {
            seconds: round(cpu, 2),
            cores: round(cpu / seconds, 2),
            msPerRequest: ok > 0 ? round((cpu * 1000) / ok, 4) : null,
          },
    latencyMs: {
      p50: round(percentile(latencies, 50), 3),
      p90: round(percentile(latencies, 90), 3),
      p99: round(percentile(latencies, 99), 3),
      max: round(ok ? latencies.reduce((a, b) => Math.max(a, b), 0) : null, 3),
    },
  };
}

/**
 * One autocannon run of `warmupSeconds + durationSeconds` on fixed connections. Only responses
 * that complete inside the measured window (after the warm-up) count, so the window starts with
 * connections open, JIT warm and the server's queue already full (matters for slow requests such
 * as logins, where a fresh run would spend its first bcrypt time filling the pipeline).
 *
 * Resolves with the raw window (latencies of 2xx responses in ms, sub-millisecond precision;
 * status counts; errors; the server's CPU seconds over the window when `serverPid` is given).
 * `onWindow.start` / `onWindow.end` run when the measured window opens and closes.
 */
function runWindow({
  url,
  method = 'GET',
  headers = {},
  body,
  connections,
  warmupSeconds,
  durationSeconds,
  serverPid = null,
  onWindow = {},
}) {
  return new Promise((resolve, reject) => {
    const window = {
      latencies: [],
      statusCodes: {},
      responses: 0,
      errors: 0,
      timeouts: 0,
      seconds: 0,
      cpuSeconds: null,
    };
    let windowStart = Infinity;
    let windowEnd = Infinity;
    let cpuAtStart = null;

    const started = performance.now();
    const instance = autocannon(
      {
        url,
        method,
        headers,
        body,
        connections,
        pipelining: 1,
        // Stopped explicitly when the window closes; autocannon notices a stop request at its
        // next sample tick, so ticks are 100 ms apart instead of the default second.
        duration: warmupSeconds + durationSeconds + 1,
        sampleInt: 100,
        timeout: 30,
      },
      (error) => {
        clearTimeout(startTimer);
        clearTimeout(endTimer);
        if (error) return reject(error);
        window.seconds = (Math.min(windowEnd, performance.now()) - windowStart) / 1000;
        resolve(window);
      },
    );

    const inWindow = () => {
      const now = performance.now();
      return now >= windowStart && now <= windowEnd;
    };
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (!inWindow()) return;
      window.responses += 1;
      window.statusCodes[statusCode] = (window.statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) window.latencies.push(responseTime);
    });
    instance.on('reqError', (error) => {
      if (!inWindow()) return;
      if (error?.message === 'request timed out') window.timeouts += 1;
      else window.errors += 1;
    });

    const startTimer = setTimeout(() => {
      windowStart = performance.now();
      if (serverPid) cpuAtStart = cpuSeconds(serverPid);
      onWindow.start?.();
    }, warmupSeconds * 1000);
    const endTimer = setTimeout(
      () => {
        windowEnd = performance.now();
        if (serverPid && cpuAtStart !== null) {
          const cpuAtEnd = cpuSeconds(serverPid);
          window.cpuSeconds = cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart;
        }
        onWindow.end?.();
        instance.stop();
      },
      (warmupSeconds + durationSeconds) * 1000 - (performance.now() - started),
    );
  });
}

/** One load run against one server: warm-up, then one measured window. */
async function measureLoad(target) {
  return summarize([await runWindow(target)]);
}

/**
 * The same load against two servers, in `rounds` alternating rounds (A B, then B A, …), each
 * measuring durationSeconds ÷ rounds; the first round of each side gets the full warm-up, later
 * rounds one second at most (the server is warm, only the connections are new). Figures of each
 * side combine its windows, so slow drifts in background load hit both sides alike.
 * `a` and `b` are measureLoad targets without the timing fields.
 */
async function measurePair({ a, b, rounds, warmupSeconds, durationSeconds, onRun = () => {} }) {
  const windows = { a: [], b: [] };
  const perRound = durationSeconds / rounds;
  for (let r = 0; r < rounds; r += 1) {
    const order = r % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    for (const side of order) {
      const target = side === 'a' ? a : b;
      const window = await runWindow({
        ...target,
        warmupSeconds: r === 0 ? warmupSeconds : Math.min(1, warmupSeconds),
        durationSeconds: perRound,
      });
      windows[side].push(window);
      onRun(side, r, summarize([window]));
    }
  }
  const rounded = (side) => ({
    ...summarize(windows[side]),
    perWindow: windows[side].map((w) => {
      const s = summarize([w]);
      return {
        seconds: s.seconds,
        throughput: round(s.throughput, 1),
        p99: s.latencyMs.p99,
        cpuMsPerRequest: s.serverCpu?.msPerRequest ?? null,
      };
    }),
  });
  return { a: rounded('a'), b: rounded('b') };
}

/** True when a summary saw only 2xx answers (and at least one). */
function clean(summary) {
  return summary.ok > 0 && summary.non2xx === 0 && summary.errors === 0 && summary.timeouts === 0;
}

/** One-line human summary of a load summary, for progress output. */
function describeLoad(label, summary) {
  const problems = summary.non2xx + summary.errors + summary.timeouts;
  return (
    `${label}: ${round(summary.throughput, 1)} req/s, p50 ${summary.latencyMs.p50} ms, ` +
    `p99 ${summary.latencyMs.p99} ms over ${summary.seconds} s` +
    (summary.serverCpu
      ? `, server ${round(summary.serverCpu.msPerRequest, 3)} CPU ms/req at ${summary.serverCpu.cores} cores`
      : '') +
    (problems
      ? ` (non-2xx ${summary.non2xx}, errors ${summary.errors}, timeouts ${summary.timeouts})`
      : '')
  );
}

module.exports = { measureLoad, measurePair, clean, describeLoad };
