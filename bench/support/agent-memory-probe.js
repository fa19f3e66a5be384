'use strict';

/**
 * Memory probe of the agents benchmark, preloaded into the backend without touching its code:
 *
 *   TOMO_BENCH_MEMORY_FILE=/tmp/x/memory.json \
 *     node --expose-gc --require ./bench/support/agent-memory-probe.js dist/src/main.js
 *
 * On SIGUSR2 it runs two full garbage collections (when --expose-gc made `gc` available), waits
 * until VmRSS stops falling (V8 returns freed pages to the system from a background thread, so
 * RSS lags the collection by up to a second or two), then writes VmRSS, process.memoryUsage()
 * and V8's heap spaces (bytes) as JSON with an increasing `seq`. The bench reads it with EventLoopSnapshots (the file protocol of
 * event-loop-probe.js). So "RSS with N agents" measures what N connections retain, not how much
 * garbage or how many not-yet-released pages happened to be around. Without
 * TOMO_BENCH_MEMORY_FILE it does nothing.
 */
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { getHeapSpaceStatistics } = require('node:v8');
const { setTimeout: sleep } = require('node:timers/promises');

const file = process.env.TOMO_BENCH_MEMORY_FILE;
/** RSS counts as settled once two readings this far apart differ by less than STABLE_BYTES. */
const SETTLE_STEP_MS = 250;
const STABLE_BYTES = 256 * 1024;
const SETTLE_LIMIT_MS = 5_000;

function vmRssBytes() {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

function collect() {
  if (typeof globalThis.gc !== 'function') return false;
  globalThis.gc();
  globalThis.gc();
  return true;
}

async function snapshot(seq) {
  const collected = collect();
  const started = Date.now();
  let previous = vmRssBytes();
  let settledAfterMs = null;
  while (Date.now() - started < SETTLE_LIMIT_MS) {
    await sleep(SETTLE_STEP_MS);
    const current = vmRssBytes();
    if (Math.abs(current - previous) < STABLE_BYTES) {
      settledAfterMs = Date.now() - started;
      break;
    }
    previous = current;
  }
  return {
    seq,
    pid: process.pid,
    gc: collected,
    settledAfterMs,
    vmRssBytes: vmRssBytes(),
    memoryUsage: process.memoryUsage(),
    heapSpaces: Object.fromEntries(
      getHeapSpaceStatistics().map((space) => [
        space.space_name,
        {
          size: space.space_size,
          used: space.space_used_size,
          physical: space.physical_space_size,
        },
      ]),
    ),
  };
}

if (file) {
  let seq = 0;
  process.on('SIGUSR2', () => {
    seq += 1;
    void snapshot(seq).then((result) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(result));
      renameSync(`${file}.tmp`, file);
    });
  });
}
