'use strict';

const http = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { login, request, sleep } = require('./support/http');
const {
  changeApps,
  cloneAndParse,
  createCatalog,
  gitAvailable,
} = require('./support/marketplace-catalog');
const {
  KINDS,
  directSearch,
  openDatabaseCopy,
  queryMix,
  searchPath,
} = require('./support/marketplace-search');
const { cpuSeconds } = require('./support/process-cpu');
const { makeTempDirectory, removeTempDirectory, startServer } = require('./support/processes');
const { makeRow } = require('./support/report');
const { ADMIN, TOMO_MAIN, owning, tomoEnvironment, tomoNodeArgs } = require('./support/servers');
const { median, percentile, round } = require('./support/stats');

/** Apps changed by each commit before a measured sync_repository. */
const CHANGED_APPS = 10;
/** Seeds of the generated repositories (repository i gets SEED + i) and of the query mix. */
const CATALOG_SEED = 1000;
const QUERY_SEED = 7;
const SEARCH_TARGET_P95_MS = 10;
/** GET /api/v1/auth/me calls (after warm-up) giving Tomo's per-request floor, for information. */
const AUTH_ME_WARMUP = 50;
const AUTH_ME_CALLS = 200;
const TOMO_ENV = { MARKETPLACE_SYNC_INTERVAL_MINUTES: '0' };

/** Tomo with scheduled catalog sync off (file:// sources are always allowed). */
async function startTomo() {
  const dataDirectory = makeTempDirectory('tomo-marketplace');
  try {
    const server = await startServer({
      name: 'tomo',
      args: [...tomoNodeArgs(), TOMO_MAIN],
      env: tomoEnvironment(dataDirectory, TOMO_ENV),
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

function stats(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50), 3),
    p95: round(percentile(values, 95), 3),
    p99: round(percentile(values, 99), 3),
    max: round(values.length ? Math.max(...values) : null, 3),
  };
}

/** The REST calls the benchmark makes, each throwing unless Tomo answered as expected. */
function marketplaceApi(tomo, token) {
  const call = async (method, path, body, agent) => {
    const started = performance.now();
    const response = await request(`${tomo.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      agent,
    });
    const ms = performance.now() - started;
    const parsed = parseJson(response.text);
    if (response.status >= 300 || parsed === undefined)
      throw new Error(
        `${method} ${path} answered ${response.status}: ${response.text.slice(0, 300)}`,
      );
    return { ms, body: parsed };
  };
  return {
    addRepository: async (name, url, expectedApps) => {
      const { ms, body } = await call('POST', '/api/v1/marketplace/repositories', { name, url });
      if (body.sync_error || body.sync?.apps_added !== expectedApps || body.sync.errors.length)
        throw new Error(
          `add_repository ${name}: sync_error ${body.sync_error}, added ${body.sync?.apps_added}, errors ${JSON.stringify(body.sync?.errors?.slice(0, 2))}`,
        );
      return { ms, id: body.repository.id, commit: body.sync.commit };
    },
    syncRepository: async (id, expected) => {
      const { ms, body } = await call('POST', `/api/v1/marketplace/repositories/${id}/sync`);
      const counts = [body.apps_added, body.apps_updated, body.apps_removed, body.errors.length];
      if (body.commit !== expected.commit || counts.join() !== `0,${expected.updated},0,0`)
        throw new Error(`sync_repository: ${JSON.stringify(body).slice(0, 300)}`);
      return { ms };
    },
    me: async (agent) => (await call('GET', '/api/v1/auth/me', undefined, agent)).ms,
    search: async (params, agent) => {
      const { ms, body } = await call('GET', searchPath(params), undefined, agent);
      return { ms, total: body.total, ids: body.items.map((item) => item.id) };
    },
  };
}

/**
 * 7a. Sync. Each repository is cloned + parsed by the baseline and added to Tomo
 * (add_repository: clone + first sync), in alternating order; then `syncRounds` commits each
 * change CHANGED_APPS apps of the first repository, each followed by sync_repository and the
 * baseline on the changed repository (alternating order again).
 */
async function measureSync({ options, log, api, catalogs, scratch, tomo }) {
  const adds = [];
  const cloneParse = [];
  for (const [i, catalog] of catalogs.entries()) {
    const baseline = () => cloneAndParse(catalog.url, join(scratch, 'baseline-clone'));
    const tomoAdd = async () => {
      const cpuBefore = cpuSeconds(tomo.pid);
      const added = await api.addRepository(`Bench ${i + 1}`, catalog.url, catalog.apps.length);
      if (added.commit !== catalog.commit)
        throw new Error(`synced ${added.commit}, pushed ${catalog.commit}`);
      catalog.repositoryId = added.id;
      return { ms: added.ms, cpuMs: (cpuSeconds(tomo.pid) - cpuBefore) * 1000 };
    };
    let add;
    let base;
    if (i % 2 === 0) {
      base = baseline();
      add = await tomoAdd();
    } else {
      add = await tomoAdd();
      base = baseline();
    }
    if (base.apps !== catalog.apps.length) throw new Error(`baseline parsed ${base.apps} apps`);
    adds.push(add);
    cloneParse.push(base);
    log(
      `add_repository ${i + 1}/${catalogs.length} (${catalog.apps.length} apps): ${round(add.ms, 1)} ms; clone + parse ${round(base.totalMs, 1)} ms (clone ${round(base.cloneMs, 1)})`,
    );
  }
  const syncs = [];
  const syncBaselines = [];
  const first = catalogs[0];
  for (let r = 0; r < options.marketplaceSyncRounds; r += 1) {
    const change = changeApps(first, CHANGED_APPS);
    const tomoSync = async () => {
      const cpuBefore = cpuSeconds(tomo.pid);
      const { ms } = await api.syncRepository(first.repositoryId, {
        commit: change.commit,
        updated: CHANGED_APPS,
      });
      return { ms, cpuMs: (cpuSeconds(tomo.pid) - cpuBefore) * 1000 };
    };
    const baseline = () => cloneAndParse(first.url, join(scratch, 'baseline-clone'));
    let sync;
    let base;
    if (r % 2 === 0) {
      sync = await tomoSync();
      base = baseline();
    } else {
      base = baseline();
      sync = await tomoSync();
    }
    syncs.push(sync);
    syncBaselines.push(base);
    log(
      `sync_repository ${r + 1}/${options.marketplaceSyncRounds} (${CHANGED_APPS} apps changed): ${round(sync.ms, 1)} ms; clone + parse ${round(base.totalMs, 1)} ms`,
    );
  }
  return { adds, cloneParse, syncs, syncBaselines };
}

/**
 * 7b. search_apps: the query mix over HTTP (one keep-alive connection, sequential) against the
 * same statements run directly on a copy of the database; batches alternate (A B B A …).
 */
async function measureSearch({ options, log, api, tomo, scratch }) {
  const db = await openDatabaseCopy(tomo.dataDirectory, scratch);
  const agents = [];
  try {
    const direct = directSearch(db);
    const warmup = queryMix(QUERY_SEED, options.marketplaceSearchWarmup);
    const measured = queryMix(QUERY_SEED + 1, options.marketplaceSearches);
    const keepAlive = () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      return agent;
    };
    const series = { tomo: [], direct: [] };
    const answers = { tomo: new Map(), direct: new Map() };
    const runTomo = async (queries, into) => {
      const agent = keepAlive();
      for (const q of queries) {
        const answer = await api.search(q.params, agent);
        into?.push({ kind: q.kind, ms: answer.ms });
        answers.tomo.set(searchPath(q.params), answer);
      }
      agent.destroy();
    };
    const runDirect = async (queries, into) => {
      for (const q of queries) {
        const answer = direct(q.params);
        into?.push({ kind: q.kind, ms: answer.ms });
        answers.direct.set(searchPath(q.params), answer);
      }
    };
    await runTomo(warmup);
    await runDirect(warmup);
    log(`search warm-up: ${warmup.length} queries each`);
    const perRound = Math.ceil(measured.length / options.rounds);
    for (let r = 0; r < options.rounds; r += 1) {
      const batch = measured.slice(r * perRound, (r + 1) * perRound);
      const order = r % 2 === 0 ? ['tomo', 'direct'] : ['direct', 'tomo'];
      for (const side of order) {
        const before = series[side].length;
        if (side === 'tomo') await runTomo(batch, series.tomo);
        else await runDirect(batch, series.direct);
        const latest = series[side].slice(before).map((s) => s.ms);
        log(
          `search ${side === 'tomo' ? 'tomo GET /apps' : 'direct FTS5'} (round ${r + 1}): ${latest.length} queries, p50 ${round(median(latest), 3)} ms, p95 ${round(percentile(latest, 95), 3)} ms`,
        );
        await sleep(100);
      }
    }
    // For reading the overhead: Tomo's per-request floor (HTTP, JWT + session check, Nest, one
    // user read) from GET /api/v1/auth/me on a keep-alive connection, after the searches.
    const floorAgent = keepAlive();
    const floor = [];
    for (let i = 0; i < AUTH_ME_WARMUP + AUTH_ME_CALLS; i += 1) {
      const ms = await api.me(floorAgent);
      if (i >= AUTH_ME_WARMUP) floor.push(ms);
    }
    floorAgent.destroy();
    // Both sides must have found the same apps: the same totals, the same first page.
    let totalMismatches = 0;
    let pageMismatches = 0;
    const examples = [];
    for (const [path, t] of answers.tomo) {
      const d = answers.direct.get(path);
      if (t.total !== d.total) {
        totalMismatches += 1;
        if (examples.length < 3) examples.push({ path, tomo: t.total, direct: d.total });
      } else if (t.ids.join() !== d.ids.join()) pageMismatches += 1;
    }
    const totals = [...answers.direct.values()].map((a) => a.total);
    const byKind = {};
    for (const kind of KINDS) {
      byKind[kind] = {
        tomoMs: stats(series.tomo.filter((s) => s.kind === kind).map((s) => s.ms)),
        directMs: stats(series.direct.filter((s) => s.kind === kind).map((s) => s.ms)),
      };
    }
    return {
      tomo: stats(series.tomo.map((s) => s.ms)),
      direct: stats(series.direct.map((s) => s.ms)),
      byKind,
      distinctQueries: answers.tomo.size,
      matches: { min: Math.min(...totals), median: median(totals), max: Math.max(...totals) },
      totalMismatches,
      pageMismatches,
      mismatchExamples: examples,
      warmup: warmup.length,
      measured: measured.length,
      authMeFloorMs: stats(floor),
      examples: measured.slice(0, KINDS.length).map((q) => searchPath(q.params)),
    };
  } finally {
    for (const agent of agents) agent.destroy();
    db.close();
  }
}

/**
 * 7. Marketplace: sync of 1,000-app git repositories (add_repository, then sync_repository after
 * a commit changing 10 apps) against git clone --depth 1 + YAML parsing in the bench process,
 * and search_apps over 5,000 apps (five such repositories, seeds 1000–1004) against the same
 * FTS5 statements run with better-sqlite3 on a copy of Tomo's database. Target: search p95 ≤ 10
 * ms. Skipped (not failed) without the git CLI.
 */
async function benchMarketplace({ options, log }) {
  if (!gitAvailable()) return { rows: [], details: {}, skipped: 'the git CLI is not installed' };
  const scratch = makeTempDirectory('marketplace');
  let tomo;
  try {
    const generated = performance.now();
    const catalogs = Array.from({ length: options.marketplaceRepositories }, (_, i) =>
      createCatalog(join(scratch, `catalog-${i + 1}`), {
        seed: CATALOG_SEED + i,
        apps: options.marketplaceApps,
      }),
    );
    log(
      `generated ${catalogs.length} git repositories of ${options.marketplaceApps} apps in ${round((performance.now() - generated) / 1000, 1)} s`,
    );
    tomo = await startTomo();
    log(`tomo (pid ${tomo.pid}) at ${tomo.url}`);
    const token = await login(tomo.url, ADMIN.username, ADMIN.password);
    const api = marketplaceApi(tomo, token);
    const sync = await measureSync({ options, log, api, catalogs, scratch, tomo });
    const all = await api.search({ limit: 1 });
    const catalogApps = all.total;
    log(`catalog: ${catalogApps} apps`);
    const search = await measureSearch({ options, log, api, tomo, scratch });
    log(
      `GET /api/v1/auth/me (per-request floor): p50 ${search.authMeFloorMs.p50} ms, p95 ${search.authMeFloorMs.p95} ms`,
    );

    const apps = options.marketplaceApps;
    const addMs = median(sync.adds.map((a) => a.ms));
    const cloneParseMs = median(sync.cloneParse.map((b) => b.totalMs));
    const syncMs = median(sync.syncs.map((s) => s.ms));
    const syncBaselineMs = median(sync.syncBaselines.map((b) => b.totalMs));
    const perSecond = (ms) => (ms ? (apps * 1000) / ms : null);
    const syncBenchmark = `7a. Marketplace sync, ${apps.toLocaleString('en-US')}-app git repository (file://)`;
    const syncBaseline = `git clone --depth 1 --single-branch (file://) of the same repository + every app.yaml parsed with the yaml package (Tomo's options), in the bench process`;
    const searchValid = search.totalMismatches === 0;
    const searchBenchmark = `7b. search_apps over ${catalogApps.toLocaleString('en-US')} apps, sequential (${search.tomo.n} queries, mixed kinds)`;
    const searchBaseline =
      "the same two FTS5 statements (page + COUNT) run with better-sqlite3 in the bench process on a read-only copy of Tomo's tomo.db, statements prepared once";
    const rows = [
      makeRow({
        benchmark: syncBenchmark,
        baselineName: syncBaseline,
        id: 'marketplace-add-first',
        metric: 'add_repository (clone + first sync), first repository (loads the importers)',
        unit: 'ms',
        tomo: sync.adds[0].ms,
        baseline: sync.cloneParse[0].totalMs,
      }),
      makeRow({
        benchmark: syncBenchmark,
        baselineName: syncBaseline,
        id: 'marketplace-add',
        metric: `add_repository (clone + first sync), median of ${sync.adds.length} repositories`,
        unit: 'ms',
        tomo: addMs,
        baseline: cloneParseMs,
      }),
      makeRow({
        benchmark: syncBenchmark,
        baselineName: syncBaseline,
        id: 'marketplace-add-rate',
        metric: 'add_repository apps per second (median)',
        unit: 'apps/s',
        tomo: perSecond(addMs),
        baseline: perSecond(cloneParseMs),
      }),
      makeRow({
        benchmark: syncBenchmark,
        baselineName: syncBaseline,
        id: 'marketplace-sync',
        metric: `sync_repository after a commit changing ${CHANGED_APPS} apps, median of ${sync.syncs.length}`,
        unit: 'ms',
        tomo: syncMs,
        baseline: syncBaselineMs,
      }),
      makeRow({
        benchmark: syncBenchmark,
        baselineName: syncBaseline,
        id: 'marketplace-sync-rate',
        metric: 'sync_repository apps per second (median)',
        unit: 'apps/s',
        tomo: perSecond(syncMs),
        baseline: perSecond(syncBaselineMs),
      }),
      makeRow({
        benchmark: searchBenchmark,
        baselineName: searchBaseline,
        valid: searchValid,
        id: 'marketplace-search-p50',
        metric: 'GET /api/v1/marketplace/apps p50 vs direct FTS5',
        unit: 'ms',
        tomo: search.tomo.p50,
        baseline: search.direct.p50,
      }),
      makeRow({
        benchmark: searchBenchmark,
        baselineName: searchBaseline,
        valid: searchValid,
        id: 'marketplace-search-p95',
        metric: 'GET /api/v1/marketplace/apps p95 vs direct FTS5',
        unit: 'ms',
        tomo: search.tomo.p95,
        baseline: search.direct.p95,
        target: { on: 'tomo', op: '<=', value: SEARCH_TARGET_P95_MS },
      }),
      makeRow({
        benchmark: searchBenchmark,
        baselineName: searchBaseline,
        valid: searchValid,
        id: 'marketplace-search-p99',
        metric: 'GET /api/v1/marketplace/apps p99 vs direct FTS5',
        unit: 'ms',
        tomo: search.tomo.p99,
        baseline: search.direct.p99,
      }),
    ];
    const round1 = (list, key) => list.map((item) => round(item[key], 1));
    return {
      rows,
      details: {
        tomoEnv: TOMO_ENV,
        repositories: catalogs.map((c) => ({
          seed: c.seed,
          apps: c.apps.length,
          repositoryId: c.repositoryId,
        })),
        catalogApps,
        sync: {
          changedAppsPerCommit: CHANGED_APPS,
          addMs: round1(sync.adds, 'ms'),
          addTomoCpuMs: round1(sync.adds, 'cpuMs'),
          baselineAddMs: round1(sync.cloneParse, 'totalMs'),
          baselineAddCloneMs: round1(sync.cloneParse, 'cloneMs'),
          baselineAddParseMs: round1(sync.cloneParse, 'parseMs'),
          syncMs: round1(sync.syncs, 'ms'),
          syncTomoCpuMs: round1(sync.syncs, 'cpuMs'),
          baselineSyncMs: round1(sync.syncBaselines, 'totalMs'),
          baselineSyncCloneMs: round1(sync.syncBaselines, 'cloneMs'),
          baselineSyncParseMs: round1(sync.syncBaselines, 'parseMs'),
        },
        search,
      },
    };
  } finally {
    try {
      if (tomo) await tomo.stop();
    } finally {
      removeTempDirectory(scratch);
    }
  }
}

module.exports = { benchMarketplace };
