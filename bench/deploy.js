'use strict';

const { execFile, execFileSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { promisify } = require('node:util');
const { agentApi, startDaemon, waitFor } = require('./support/agent-api');
const { closedPort } = require('./support/agent-measure');
const { login, sleep } = require('./support/http');
const { makeTempDirectory, removeTempDirectory, startServer } = require('./support/processes');
const { makeRow } = require('./support/report');
const { ADMIN, TOMO_MAIN, tomoEnvironment, tomoNodeArgs } = require('./support/servers');
const { sshdUnavailableReason, startBenchSshd } = require('./support/sshd');
const { median, percentile, round } = require('./support/stats');

const run = promisify(execFile);

const IMAGE = 'tomo-test/busybox:1.35';
/** The app: one service serving a page, with a healthcheck (both sides wait for "healthy"). */
const COMMAND = [
  'busybox',
  'sh',
  '-c',
  'trap "exit 0" TERM; busybox mkdir -p /www; echo ok > /www/index.html; busybox httpd -f -p 8080 -h /www & wait',
];
const HEALTH = ['CMD', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'];
/** How often the baseline asks Docker for the health status (Tomo's first polls are as quick). */
const BASELINE_POLL_MS = 100;
const TARGETS = { agent: 1.5, ssh: 2 };

function manifestYaml() {
  return `manifest_version: 1
id: bench-web
name: Bench web
version: "1.0.0"
description: One service for the install benchmark.
category: other
services:
  - name: web
    image: ${IMAGE}
    command: ${JSON.stringify(COMMAND)}
    ports: [{container: 8080, host: null, main: true}]
    healthcheck: {test: ${JSON.stringify(HEALTH)}, interval_s: 1, timeout_s: 2, retries: 3}
`;
}

function dockerAvailable() {
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function git(cwd, ...args) {
  execFileSync('git', args, { cwd, stdio: 'ignore' });
}

/** A one-app catalog as a real git repository (file://). */
function createCatalog(root) {
  const work = join(root, 'catalog');
  mkdirSync(join(work, 'apps', 'bench-web'), { recursive: true });
  writeFileSync(join(work, 'apps', 'bench-web', 'app.yaml'), manifestYaml());
  git(root, 'init', '-q', '--initial-branch=main', work);
  git(work, 'add', '-A');
  git(
    work,
    '-c',
    'user.name=bench',
    '-c',
    'user.email=bench@localhost',
    'commit',
    '-q',
    '-m',
    'app',
  );
  return `file://${work}`;
}

/**
 * The equivalent by hand on the same engine, from this process: `docker network create`, then
 * `docker run -d` with the same name pattern, labels, port, command and healthcheck, then
 * `docker inspect` every 100 ms until Docker reports healthy.
 */
async function rawDockerRun(index, hostPort) {
  const name = `bench-raw-${process.pid}-${index}`;
  const started = performance.now();
  await run('docker', ['network', 'create', '--label', 'tomo.bench=1', '--', name]);
  await run('docker', [
    'run',
    '--detach',
    '--name',
    `${name}-web`,
    '--network',
    name,
    '--network-alias',
    'web',
    '--restart',
    'unless-stopped',
    '--label',
    `tomo.installation=${name}`,
    '--label',
    'tomo.app=bench-web',
    '--publish',
    `${hostPort}:8080/tcp`,
    '--health-cmd',
    HEALTH.slice(1).join(' '),
    '--health-interval',
    '1s',
    '--health-timeout',
    '2s',
    '--health-retries',
    '3',
    '--',
    IMAGE,
    ...COMMAND,
  ]);
  for (;;) {
    const { stdout } = await run('docker', [
      'inspect',
      '--format',
      '{{.State.Health.Status}}',
      `${name}-web`,
    ]);
    if (stdout.trim() === 'healthy') break;
    if (stdout.trim() === 'unhealthy') throw new Error('the raw container became unhealthy');
    await sleep(BASELINE_POLL_MS);
  }
  const ms = performance.now() - started;
  await run('docker', ['rm', '-f', `${name}-web`]);
  await run('docker', ['network', 'rm', name]);
  return ms;
}

function figures(values) {
  return {
    n: values.length,
    p50: round(median(values), 1),
    p95: round(percentile(values, 95), 1),
    min: round(Math.min(...values), 1),
  };
}

/**
 * 8. install_app of a one-service app (image present) vs the equivalent raw `docker run` in the
 * same run, through SSH (no agent) and then through the agent (the real daemon connected).
 * Targets: median wall time ratio ≤ 2 via SSH, ≤ 1.5 via the agent.
 */
async function benchInstallApp({ options, log }) {
  const sshdReason = sshdUnavailableReason();
  if (sshdReason) return { rows: [], details: {}, skipped: `needs sshd: ${sshdReason}` };
  if (!dockerAvailable())
    return { rows: [], details: {}, skipped: `needs a Docker engine with ${IMAGE}` };
  const root = makeTempDirectory('tomo-deploy-bench');
  let sshd;
  let tomo;
  let daemon;
  try {
    sshd = await startBenchSshd();
    // A deploy user in the docker group (a common setup), not root: root's login shell here runs
    // heavy startup files on every SSH session, which would measure this machine, not Tomo.
    execFileSync('usermod', ['-aG', 'docker', sshd.username]);
    const server = await startServer({
      name: 'tomo',
      args: [...tomoNodeArgs(), TOMO_MAIN],
      env: tomoEnvironment(join(root, 'data'), {
        SERVER_CHECK_INTERVAL_SECONDS: '0',
        MARKETPLACE_SYNC_INTERVAL_MINUTES: '0',
        APPS_DATA_ROOT: join(root, 'apps'),
      }),
    });
    tomo = server;
    log(`tomo (pid ${tomo.pid}) at ${tomo.url}, sshd (pid ${sshd.pid}) on port ${sshd.port}`);
    const token = await login(tomo.url, ADMIN.username, ADMIN.password);
    const api = agentApi(tomo, token);
    const created = await api.addServer({
      name: 'bench engine',
      hostname: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      auth_type: 'key',
      credential: sshd.privateKey,
    });
    const repository = await api.call('POST', '/api/v1/marketplace/repositories', {
      name: 'bench',
      url: createCatalog(root),
    });
    if (repository.status !== 201) throw new Error(`add_repository: ${repository.text}`);
    const found = await api.call('GET', '/api/v1/marketplace/apps?query=bench');
    const appId = found.body.items.find((item) => item.app_id === 'bench-web')?.id;
    if (!appId) throw new Error(`bench-web is not in the catalog: ${found.text.slice(0, 300)}`);

    const installs = options.quick ? 3 : Number(process.env.BENCH_INSTALLS ?? 10);
    let index = 0;
    /** The steps of the last install per route, with their durations (in the details). */
    const lastSteps = {};
    const installOnce = async (method) => {
      const hostPort = await closedPort();
      const started = performance.now();
      const response = await api.call('POST', `/api/v1/servers/${created.id}/apps`, {
        app_id: appId,
        config: { ports: { '8080/tcp': hostPort } },
      });
      const ms = performance.now() - started;
      if (response.status !== 201 || response.body?.status !== 'running')
        throw new Error(`install_app answered ${response.status}: ${response.text.slice(0, 400)}`);
      if (response.body.method !== method)
        throw new Error(`install_app went through ${response.body.method}, not ${method}`);
      lastSteps[method] = response.body.steps.map(
        (step) => `${step.name}: ${Date.parse(step.finished_at) - Date.parse(step.started_at)} ms`,
      );
      const removed = await api.call('DELETE', `/api/v1/apps/${response.body.id}`);
      if (removed.status !== 200) throw new Error(`uninstall_app: ${removed.text.slice(0, 300)}`);
      return ms;
    };
    const measure = async (method) => {
      await installOnce(method); // warm-up: first connection, first plan
      await rawDockerRun((index += 1), await closedPort());
      const tomoMs = [];
      const rawMs = [];
      for (let i = 0; i < installs; i += 1) {
        // Alternating, so drift of the machine hits both sides alike.
        if (i % 2 === 0) {
          tomoMs.push(await installOnce(method));
          rawMs.push(await rawDockerRun((index += 1), await closedPort()));
        } else {
          rawMs.push(await rawDockerRun((index += 1), await closedPort()));
          tomoMs.push(await installOnce(method));
        }
      }
      log(
        `install_app via ${method}: p50 ${round(median(tomoMs), 1)} ms; raw docker run p50 ${round(median(rawMs), 1)} ms`,
      );
      return { tomo: figures(tomoMs), raw: figures(rawMs) };
    };

    const ssh = await measure('ssh');
    const registration = await api.registerAgent(created.id);
    daemon = startDaemon({
      serverUrl: registration.server_url,
      code: registration.registration_code,
      stateFile: join(root, 'agent-state.json'),
    });
    await waitFor(
      async () => (await api.agentStatus(created.id)).body?.connected === true,
      'the agent daemon to connect',
      30_000,
    );
    const agent = await measure('agent');

    const baselineName = `the same container by hand on the same engine from the bench process: docker network create, docker run -d (same labels, port, command, healthcheck), docker inspect every ${BASELINE_POLL_MS} ms until healthy`;
    const rows = ['ssh', 'agent'].map((method) => {
      const result = method === 'ssh' ? ssh : agent;
      return makeRow({
        id: `install-app-${method}`,
        benchmark: `8${method === 'ssh' ? 'a' : 'b'}. install_app of a one-service app (image present) via ${method === 'ssh' ? 'SSH' : 'the agent'}, until healthy (${result.tomo.n} vs ${result.raw.n}, alternating)`,
        metric: 'median wall time',
        unit: 'ms',
        tomo: result.tomo.p50,
        baseline: result.raw.p50,
        baselineName,
        target: { on: 'ratio', op: '<=', value: TARGETS[method] },
      });
    });
    return { rows, details: { ssh, agent, installs, lastSteps } };
  } finally {
    if (daemon) await daemon.stop();
    if (tomo) await tomo.stop();
    if (sshd) await sshd.stop();
    removeTempDirectory(root);
  }
}

module.exports = { benchInstallApp };
