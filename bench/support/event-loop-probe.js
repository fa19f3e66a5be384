'use strict';

/**
 * Event-loop delay probe, preloaded into a server without touching its code:
 *
 *   TOMO_BENCH_EVENT_LOOP_FILE=/tmp/x/loop.json \
 *     node --require bench/support/event-loop-probe.js dist/src/main.js
 *
 * It samples the loop with perf_hooks.monitorEventLoopDelay({ resolution: 1 }). On SIGUSR2 it
 * writes the percentiles recorded since the previous SIGUSR2 (or since start) to the file, as
 * JSON with an increasing `seq` and process.memoryUsage() in MiB, then resets the histogram.
 * Values include the 1 ms sampling interval itself: an idle loop reads about 1 ms, not 0.
 * Without TOMO_BENCH_EVENT_LOOP_FILE it does nothing.
 */
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { renameSync, writeFileSync } = require('node:fs');

const RESOLUTION_MS = 1;
const file = process.env.TOMO_BENCH_EVENT_LOOP_FILE;

if (file) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let seq = 0;
  let since = Date.now();
  const ms = (nanoseconds) => (histogram.count > 0 ? nanoseconds / 1e6 : null);

  process.on('SIGUSR2', () => {
    seq += 1;
    const now = Date.now();
    const snapshot = {
      seq,
      pid: process.pid,
      resolutionMs: RESOLUTION_MS,
      windowMs: now - since,
      count: histogram.count,
      minMs: ms(histogram.min),
      meanMs: ms(histogram.mean),
      p50Ms: ms(histogram.percentile(50)),
      p90Ms: ms(histogram.percentile(90)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      memoryMiB: Object.fromEntries(
        Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 10485.76) / 100]),
      ),
    };
    histogram.reset();
    since = now;
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
  });
}
