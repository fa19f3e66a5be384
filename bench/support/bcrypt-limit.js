'use strict';

const bcrypt = require('bcrypt');
const { availableParallelism } = require('node:os');
const { performance } = require('node:perf_hooks');
const { median, round } = require('./stats');

/** Tomo's cost factor (src/auth/password-hasher.ts). */
const BCRYPT_COST = 12;

/**
 * The login ceiling bcrypt allows on this machine right now: hashes run on libuv's thread pool,
 * so at most min(cores, UV_THREADPOOL_SIZE or 4) compares run at once, each taking the median
 * time of one compare at cost 12 measured here (sequential, with the `bcrypt` package Tomo uses).
 */
async function measureBcryptLimit(samples) {
  const password = 'a quiet lantern over the river';
  const hash = await bcrypt.hash(password, BCRYPT_COST);
  await bcrypt.compare(password, hash); // warm-up
  const times = [];
  for (let i = 0; i < samples; i += 1) {
    const started = performance.now();
    await bcrypt.compare(password, hash);
    times.push(performance.now() - started);
  }
  const compareMs = median(times);
  const cores = availableParallelism();
  const threadPool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const parallel = Math.min(cores, threadPool);
  return {
    cost: BCRYPT_COST,
    compareMs: round(compareMs, 1),
    samplesMs: times.map((t) => round(t, 1)),
    cores,
    threadPool,
    parallel,
    limitPerSecond: (parallel * 1000) / compareMs,
  };
}

module.exports = { measureBcryptLimit, BCRYPT_COST };
