'use strict';

const Database = require('better-sqlite3');
const { execFile } = require('node:child_process');
const { existsSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { promisify } = require('node:util');
const { login, request } = require('./support/http');
const { makeTempDirectory, removeTempDirectory, startServer } = require('./support/processes');
const { makeRow } = require('./support/report');
const { ADMIN, TOMO_MAIN, tomoEnvironment, tomoNodeArgs } = require('./support/servers');
const { median, round } = require('./support/stats');

const run = promisify(execFile);
const SQLITE3 = '/usr/bin/sqlite3';
const BENCHMARK = '10. create_backup vs sqlite3 .backup';
const BASELINE = 'sqlite3 CLI .backup of the same file';
const PASSPHRASE = 'bench passphrase, long enough';

/**
 * Fills Tomo's database with `megabytes` rows of 1 MiB random blobs (a table of its own; random
 * bytes, so nothing is cheaper to copy than real data) and checkpoints it into the main file.
 */
function fillDatabase(path, megabytes) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE bench_blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO bench_blobs (body) VALUES (randomblob(?))');
  const batch = db.transaction((count) => {
    for (let i = 0; i < count; i++) insert.run(1024 * 1024);
  });
  for (let done = 0; done < megabytes; done += 64) batch(Math.min(64, megabytes - done));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/**
 * create_backup (REST, unencrypted and with a passphrase) against `sqlite3 <db> ".backup <out>"`
 * of the same database, alternating, in the same run: the target is a ratio ≤ 1.3 for the
 * unencrypted backup; the encryption overhead is reported beside it.
 */
async function benchBackup({ options, log }) {
  if (!existsSync(SQLITE3)) {
    return { rows: [], details: {}, skipped: 'skipped: sqlite3 CLI not installed' };
  }
  const megabytes = options.quick ? 50 : Number(process.env.BENCH_BACKUP_MB ?? 1024);
  const rounds = options.quick ? 2 : Number(process.env.BENCH_BACKUP_ROUNDS ?? 3);
  const root = makeTempDirectory('backup');
  const dataDirectory = join(root, 'data');
  const databasePath = join(dataDirectory, 'tomo.db');
  const start = () =>
    startServer({
      name: 'tomo',
      args: [...tomoNodeArgs(), TOMO_MAIN],
      env: tomoEnvironment(dataDirectory, {
        SERVER_CHECK_INTERVAL_SECONDS: '0',
        MARKETPLACE_SYNC_INTERVAL_MINUTES: '0',
      }),
    });
  let tomo;
  try {
    // Tomo creates its schema, stops; the blobs go in; Tomo serves the big database.
    tomo = await start();
    await tomo.stop();
    const fillStarted = performance.now();
    fillDatabase(databasePath, megabytes);
    const databaseBytes = statSync(databasePath).size;
    log(
      `database of ${round(databaseBytes / 1024 ** 2, 0)} MiB made in ${round((performance.now() - fillStarted) / 1000, 1)} s`,
    );
    tomo = await start();
    const token = await login(tomo.url, ADMIN.username, ADMIN.password);
    const api = async (method, path, body) => {
      const response = await request(`${tomo.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.text}`);
      return JSON.parse(response.text);
    };
    const timed = async (work) => {
      const began = performance.now();
      const result = await work();
      return { ms: performance.now() - began, result };
    };

    const times = { baseline: [], plain: [], encrypted: [] };
    const sizes = {};
    const out = join(root, 'baseline.db');
    // One untimed round of each warms the page cache for both sides alike.
    for (let i = 0; i <= rounds; i++) {
      rmSync(out, { force: true });
      const baseline = await timed(() => run(SQLITE3, [databasePath, `.backup '${out}'`]));
      sizes.baseline = statSync(out).size;
      rmSync(out, { force: true });
      const plain = await timed(() => api('POST', '/api/v1/backups', {}));
      sizes.plain = plain.result.size_bytes;
      await api('DELETE', `/api/v1/backups/${plain.result.id}`);
      const encrypted = await timed(() =>
        api('POST', '/api/v1/backups', { passphrase: PASSPHRASE }),
      );
      sizes.encrypted = encrypted.result.size_bytes;
      await api('DELETE', `/api/v1/backups/${encrypted.result.id}`);
      if (i === 0) continue;
      times.baseline.push(baseline.ms);
      times.plain.push(plain.ms);
      times.encrypted.push(encrypted.ms);
      log(
        `round ${i}: sqlite3 ${round(baseline.ms, 0)} ms, create_backup ${round(plain.ms, 0)} ms, encrypted ${round(encrypted.ms, 0)} ms`,
      );
    }
    const baselineMs = median(times.baseline);
    const plainMs = median(times.plain);
    const encryptedMs = median(times.encrypted);
    const size = `${round(databaseBytes / 1024 ** 2, 0)} MiB database`;
    const rows = [
      makeRow({
        id: 'backup-create',
        benchmark: BENCHMARK,
        metric: `create_backup (REST, unencrypted), ${size}, median of ${rounds}`,
        unit: 'ms',
        tomo: plainMs,
        baseline: baselineMs,
        baselineName: BASELINE,
        target: { on: 'ratio', op: '<=', value: 1.3 },
      }),
      makeRow({
        id: 'backup-create-encrypted',
        benchmark: BENCHMARK,
        metric: `create_backup with a passphrase (scrypt + AES-256-GCM), ${size}, median of ${rounds}`,
        unit: 'ms',
        tomo: encryptedMs,
        baseline: baselineMs,
        baselineName: BASELINE,
      }),
      makeRow({
        id: 'backup-encryption-overhead',
        benchmark: BENCHMARK,
        metric: 'encryption overhead: encrypted / unencrypted create_backup (Tomo vs Tomo)',
        unit: 'ms',
        tomo: encryptedMs,
        baseline: plainMs,
        baselineName: 'create_backup unencrypted',
      }),
    ];
    return {
      rows,
      details: { databaseBytes, rounds, times, sizes },
    };
  } finally {
    if (tomo) await tomo.stop();
    removeTempDirectory(root);
  }
}

module.exports = { benchBackup };
