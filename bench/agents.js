'use strict';

const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { agentApi, startDaemon, startSwarm, waitFor } = require('./support/agent-api');
const {
  closedPort,
  echoClient,
  fanOut,
  idleCpu,
  keepAliveAgent,
  newSeries,
  sequential,
  spawnShellTrue,
  stats,
} = require('./support/agent-measure');
const { EventLoopSnapshots } = require('./support/event-loop-snapshots');
const { login, request, sleep } = require('./support/http');
const { cpuSeconds } = require('./support/process-cpu');
const { makeTempDirectory, removeTempDirectory, startServer } = require('./support/processes');
const { makeRow } = require('./support/report');
const { ADMIN, TOMO_MAIN, owning, tomoEnvironment } = require('./support/servers');
const { sshdUnavailableReason, startBenchSshd } = require('./support/sshd');
const { median, percentile, round } = require('./support/stats');

const WS_ECHO = 'bench/support/agent-ws-echo.js';
const MEMORY_PROBE = 'bench/support/agent-memory-probe.js';
/** The daemon allows 60 system.exec per minute (AGENT_PROTOCOL §4); warm-up + measured stay below. */
const AGENT_EXEC_PER_MINUTE = 60;
/** Liveness settings of the swarm's backend: a ping round every 5 s, so a window sees several. */
const SWARM_HEARTBEAT = { interval: 5, timeout: 15 };
/** Child processes the simulated agents are spread over, each with its own 127.0.0.x source. */
const SWARM_CHILDREN = 4;
const SWARM_HANDSHAKES_PER_CHILD = 25;
/** Concurrent create_server + register_agent calls while setting up the swarm's servers. */
const SETUP_CONCURRENCY = 8;
const SETTLE_MS = 200;
/** Agents that connect, get pinged and leave before the 0-agent reading (first-use warm-up). */
const WARMUP_AGENTS = 50;
/** Keep-alive connections the fan-out's N calls share (the client queues the rest). */
const FANOUT_CONNECTIONS = 100;
/** AgentRegistry writes an agent's last_heartbeat_at at most this often (on any frame). */
const HEARTBEAT_WRITE_MS = 10_000;
/** After agents connected (status writes, events) and before a memory reading. */
const SWARM_SETTLE_MS = 1000;

/**
 * Tomo for parts a and b: its own data directory, the periodic server check off (nothing but the
 * measured work runs), `extraEnv` on top.
 */
async function startTomo(label, extraEnv = {}) {
  const dataDirectory = makeTempDirectory(label);
  try {
    const server = await startServer({
      name: 'tomo',
      args: [TOMO_MAIN],
      env: tomoEnvironment(dataDirectory, { SERVER_CHECK_INTERVAL_SECONDS: '0', ...extraEnv }),
    });
    return owning(server, dataDirectory);
  } catch (error) {
    removeTempDirectory(dataDirectory);
    throw error;
  }
}

/**
 * A server for the real daemon, its agent registered and the daemon connected. `server` is the
 * create_server body (pointing at the bench sshd, or at a closed port when SSH is not needed).
 */
async function connectDaemon({ tomo, api, server, log }) {
  const created = await api.addServer(server);
  const registration = await api.registerAgent(created.id);
  const daemon = startDaemon({
    serverUrl: registration.server_url,
    code: registration.registration_code,
    stateFile: join(tomo.dataDirectory, 'agent-state.json'),
  });
  log(`agent daemon (pid ${daemon.pid}) dialing ${registration.server_url}`);
  let exited = null;
  void daemon.exited.then((outcome) => (exited = outcome));
  try {
    await waitFor(
      async () => {
        if (exited)
          throw new Error(
            `the agent daemon exited (${exited.code ?? exited.signal}): ${daemon.output()}`,
          );
        const status = await api.agentStatus(created.id);
        return status.status === 200 && status.body?.connected === true;
      },
      'the agent daemon to connect',
      30_000,
    );
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return { serverId: created.id, server: created, daemon, registration };
}

/**
 * 1. ping_agent against the real daemon vs a bare ws echo, sequential, same run.
 * Target: p50 of the latency_ms the backend reports − echo p50 ≤ 1 ms.
 */
async function benchAgentPing({ options, log }) {
  let echo;
  let tomo;
  let daemon;
  let client;
  const agents = [];
  try {
    echo = await startServer({
      name: 'ws-echo',
      args: [WS_ECHO],
      env: { HOST: '127.0.0.1', PORT: '0' },
    });
    const echoUrl = echo.url.replace(/^http:/, 'ws:');
    log(`ws echo baseline (pid ${echo.pid}) at ${echoUrl}`);
    tomo = await startTomo('tomo-agent-ping');
    log(`tomo (pid ${tomo.pid}) at ${tomo.url}`);
    const token = await login(tomo.url, ADMIN.username, ADMIN.password);
    const api = agentApi(tomo, token);
    const connected = await connectDaemon({
      tomo,
      api,
      log,
      server: {
        hostname: '127.0.0.1',
        port: await closedPort(),
        username: 'bench',
        credential: 'unused',
      },
    });
    daemon = connected.daemon;
    client = await echoClient(echoUrl);

    const pingOnce = (agent) => async () => {
      const response = await api.ping(connected.serverId, agent);
      if (response.status !== 200 || response.body?.success !== true)
        throw new Error(`ping_agent answered ${response.status}: ${response.text.slice(0, 300)}`);
      return response.body.latency_ms;
    };
    const kinds = {
      ping: {
        label: 'ping_agent',
        run: async (n, series) => {
          const agent = keepAliveAgent(1);
          agents.push(agent);
          await pingOnce(agent)(); // opens the batch's keep-alive connection
          await sequential(n, pingOnce(agent), series);
          agent.destroy();
        },
      },
      echo: {
        label: 'ws echo',
        run: (n, series) => sequential(n, client.roundTrip, series),
      },
    };
    const series = { ping: newSeries(), echo: newSeries() };
    const cpuOfAnswerer = { ping: 0, echo: 0 };
    const runBatch = async (name, n, s) => {
      const tomoCpu = cpuSeconds(tomo.pid);
      const answererPid = name === 'ping' ? daemon.pid : echo.pid;
      const answererCpu = cpuSeconds(answererPid);
      await kinds[name].run(n, s);
      s.cpuSeconds += cpuSeconds(tomo.pid) - tomoCpu;
      cpuOfAnswerer[name] += cpuSeconds(answererPid) - answererCpu;
      await sleep(SETTLE_MS);
    };
    for (const name of ['ping', 'echo']) await runBatch(name, options.agentPingWarmup, newSeries());
    cpuOfAnswerer.ping = 0;
    cpuOfAnswerer.echo = 0;
    log(`agent ping warm-up: ${options.agentPingWarmup} round trips of each kind`);
    const order = ['ping', 'echo'];
    for (let r = 0; r < options.rounds; r += 1) {
      for (const name of r % 2 === 0 ? order : [...order].reverse()) {
        const before = series[name].wall.length;
        await runBatch(name, Math.ceil(options.agentPings / options.rounds), series[name]);
        const batch = series[name].wall.slice(before);
        const latest = name === 'ping' ? series.ping.reported.slice(before) : batch;
        log(
          `${kinds[name].label} (round ${r + 1}): ${batch.length} round trips, p50 ${round(median(latest), 3)} ms` +
            (name === 'ping' ? ` (latency_ms), client wall p50 ${round(median(batch), 3)} ms` : ''),
        );
      }
    }

    const ping = {
      latencyMs: stats(series.ping.reported),
      restWallMs: stats(series.ping.wall),
      errors: series.ping.errors,
    };
    const echoFigures = { roundTripMs: stats(series.echo.wall), errors: series.echo.errors };
    const overhead =
      ping.latencyMs.p50 === null || echoFigures.roundTripMs.p50 === null
        ? null
        : ping.latencyMs.p50 - echoFigures.roundTripMs.p50;
    const valid = series.ping.errors.length === 0 && series.echo.errors.length === 0;
    const benchmark = `6a. Agent ping round trip, sequential: ping_agent via the real daemon vs a bare ws echo (${ping.latencyMs.n} vs ${echoFigures.roundTripMs.n})`;
    const baselineName = `a bare ws echo server (${WS_ECHO}, own process) and a ws client in the bench process: sequential round trips of a ${client.requestBytes}-byte agent.ping-shaped JSON frame, answered with an agent.ping-shaped result`;
    const common = { benchmark, baselineName, valid };
    const perCall = (name) =>
      series[name].wall.length ? (series[name].cpuSeconds * 1000) / series[name].wall.length : null;
    const answererPerCall = (name) =>
      series[name].wall.length ? (cpuOfAnswerer[name] * 1000) / series[name].wall.length : null;
    const rows = [
      makeRow({
        ...common,
        id: 'agent-ping-p50-overhead',
        metric: 'p50 overhead: ping_agent latency_ms − echo round trip',
        unit: 'ms',
        tomo: overhead,
        baseline: null,
        target: { on: 'tomo', op: '<=', value: 1 },
      }),
      makeRow({
        ...common,
        id: 'agent-ping-p50',
        metric: 'p50: latency_ms (backend → agent → backend) vs echo',
        unit: 'ms',
        tomo: ping.latencyMs.p50,
        baseline: echoFigures.roundTripMs.p50,
      }),
      makeRow({
        ...common,
        id: 'agent-ping-p99',
        metric: 'p99: latency_ms vs echo',
        unit: 'ms',
        tomo: ping.latencyMs.p99,
        baseline: echoFigures.roundTripMs.p99,
      }),
      makeRow({
        ...common,
        id: 'agent-ping-rest-p50',
        metric: 'p50: REST ping_agent wall time at the client vs echo',
        unit: 'ms',
        tomo: ping.restWallMs.p50,
        baseline: echoFigures.roundTripMs.p50,
      }),
      makeRow({
        ...common,
        id: 'agent-ping-rest-p99',
        metric: 'p99: REST ping_agent wall time at the client vs echo',
        unit: 'ms',
        tomo: ping.restWallMs.p99,
        baseline: echoFigures.roundTripMs.p99,
      }),
    ];
    return {
      rows,
      details: {
        daemon: { pid: daemon.pid, serverUrl: connected.registration.server_url, exec: true },
        requestFrameBytes: client.requestBytes,
        iterations: {
          perKind: options.agentPings,
          warmup: options.agentPingWarmup,
          rounds: options.rounds,
        },
        ping: {
          ...ping,
          errors: ping.errors.slice(0, 3),
          errorCount: ping.errors.length,
          tomoCpuMsPerCall: round(perCall('ping'), 4),
          daemonCpuMsPerCall: round(answererPerCall('ping'), 4),
        },
        echo: {
          ...echoFigures,
          errors: echoFigures.errors.slice(0, 3),
          errorCount: echoFigures.errors.length,
          echoServerCpuMsPerCall: round(answererPerCall('echo'), 4),
        },
        p50OverheadMs: round(overhead, 3),
      },
    };
  } finally {
    for (const agent of agents) agent.destroy();
    client?.close();
    try {
      if (daemon) await daemon.stop();
    } finally {
      if (tomo) await tomo.stop();
      if (echo) await echo.stop();
    }
  }
}

/**
 * 2. execute_command of `true` on one server, forced through its agent (method "agent") vs its
 * pooled SSH connection (method "ssh"), sequential, same run. Target: agent p50 ≤ 0.5 × SSH p50.
 * Skipped (not failed) when this machine cannot run the bench sshd.
 */
async function benchAgentExec({ options, log }) {
  const skipReason = sshdUnavailableReason();
  if (skipReason) return { rows: [], details: {}, skipped: skipReason };
  let sshd;
  let tomo;
  let daemon;
  const agents = [];
  try {
    sshd = await startBenchSshd({ maxSessions: 10 });
    log(`sshd (pid ${sshd.pid}) on ${sshd.host}:${sshd.port}, user ${sshd.username}`);
    tomo = await startTomo('tomo-agent-exec', { MAX_CONCURRENT_CONNECTIONS: '10' });
    log(`tomo (pid ${tomo.pid}) at ${tomo.url}`);
    const token = await login(tomo.url, ADMIN.username, ADMIN.password);
    const api = agentApi(tomo, token);
    const connected = await connectDaemon({
      tomo,
      api,
      log,
      server: {
        hostname: sshd.host,
        port: sshd.port,
        username: sshd.username,
        credential: sshd.password,
      },
    });
    daemon = connected.daemon;
    if (connected.server.status !== 'online')
      throw new Error(
        `the server was added as ${connected.server.status}: ${connected.server.status_error ?? '?'}`,
      );

    const execOnce = (method, agent) => async () => {
      const response = await api.execute(connected.serverId, { command: 'true', method }, agent);
      const body = response.body;
      if (response.status !== 200 || body?.success !== true || body.method !== method)
        throw new Error(
          `execute_command (${method}) answered ${response.status}: ${response.text.slice(0, 300)}`,
        );
      return body.execution_time_ms;
    };
    const runBatch = async (method, n, s) => {
      const agent = keepAliveAgent(1);
      agents.push(agent);
      // Opens the batch's keep-alive connection without spending an agent exec.
      const me = await request(`${tomo.url}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${token}` },
        agent,
      });
      if (me.status !== 200) throw new Error(`GET /api/v1/auth/me answered ${me.status}`);
      const cpuBefore = cpuSeconds(tomo.pid);
      await sequential(n, execOnce(method, agent), s);
      s.cpuSeconds += cpuSeconds(tomo.pid) - cpuBefore;
      agent.destroy();
      await sleep(SETTLE_MS);
    };

    // The daemon runs at most 60 commands a minute: warm-up and measured together stay in that.
    const agentWarmup = Math.min(options.agentExecWarmup, AGENT_EXEC_PER_MINUTE - 1);
    const agentMeasured = Math.min(options.agentExecCommands, AGENT_EXEC_PER_MINUTE - agentWarmup);
    await runBatch('agent', agentWarmup, newSeries());
    await runBatch('ssh', options.agentSshWarmup, newSeries());
    log(`agent exec warm-up: ${agentWarmup} via the agent, ${options.agentSshWarmup} via SSH`);
    const series = { agent: newSeries(), ssh: newSeries() };
    const counts = {
      agent: Math.ceil(agentMeasured / options.rounds),
      ssh: Math.ceil(options.agentSshCommands / options.rounds),
    };
    const order = ['agent', 'ssh'];
    for (let r = 0; r < options.rounds; r += 1) {
      for (const method of r % 2 === 0 ? order : [...order].reverse()) {
        const before = series[method].wall.length;
        const n = Math.min(counts[method], method === 'agent' ? agentMeasured - before : Infinity);
        if (n <= 0) continue;
        await runBatch(method, n, series[method]);
        log(
          `execute_command "true" via ${method} (round ${r + 1}): ${series[method].wall.length - before} commands, p50 ${round(median(series[method].wall.slice(before)), 3)} ms`,
        );
      }
    }

    // For information: what starting the command costs a Node process, outside Tomo and the
    // daemon (the daemon's system.exec spawns /bin/sh the same way).
    const spawnSeries = newSeries();
    await sequential(10, spawnShellTrue, newSeries());
    await sequential(agentMeasured, spawnShellTrue, spawnSeries);
    log(
      `bare spawn of /bin/sh -c true from the bench process: p50 ${round(median(spawnSeries.wall), 3)} ms`,
    );

    const figures = Object.fromEntries(
      Object.entries(series).map(([method, s]) => [
        method,
        {
          latencyMs: stats(s.wall),
          executionTimeMs: stats(s.reported),
          errorCount: s.errors.length,
          errors: s.errors.slice(0, 3),
          tomoCpuMsPerCommand: s.wall.length
            ? round((s.cpuSeconds * 1000) / s.wall.length, 4)
            : null,
        },
      ]),
    );
    const common = {
      benchmark: `6b. execute_command "true", sequential: via the agent vs via pooled SSH, same server (${figures.agent.latencyMs.n} vs ${figures.ssh.latencyMs.n})`,
      baselineName:
        'the same REST execute_command with method "ssh": Tomo\'s pooled SSH connection to the bench sshd (the server the agent runs for)',
      valid: series.agent.errors.length === 0 && series.ssh.errors.length === 0,
    };
    const rows = [
      makeRow({
        ...common,
        id: 'agent-exec-p50',
        metric: 'p50 latency (REST, client wall time)',
        unit: 'ms',
        tomo: figures.agent.latencyMs.p50,
        baseline: figures.ssh.latencyMs.p50,
        target: { on: 'ratio', op: '<=', value: 0.5 },
      }),
      makeRow({
        ...common,
        id: 'agent-exec-p99',
        metric: 'p99 latency (REST, client wall time)',
        unit: 'ms',
        tomo: figures.agent.latencyMs.p99,
        baseline: figures.ssh.latencyMs.p99,
      }),
      makeRow({
        ...common,
        id: 'agent-exec-route-p50',
        metric: 'p50 execution_time_ms reported by Tomo (the route alone)',
        unit: 'ms',
        tomo: figures.agent.executionTimeMs.p50,
        baseline: figures.ssh.executionTimeMs.p50,
      }),
      makeRow({
        ...common,
        id: 'agent-exec-spawn-p50',
        baselineName:
          "child_process.spawn('/bin/sh', ['-c', 'true']) from the bench process (detached, cwd /, stdout and stderr piped: as the daemon's system.exec), until it closed",
        metric: 'p50 execution_time_ms via the agent vs a bare Node spawn of the same command',
        unit: 'ms',
        tomo: figures.agent.executionTimeMs.p50,
        baseline: percentile(spawnSeries.wall, 50),
      }),
    ];
    return {
      rows,
      details: {
        command: 'true',
        bareSpawnMs: stats(spawnSeries.wall),
        sshd: { host: sshd.host, port: sshd.port, maxSessions: 10, auth: 'password' },
        daemon: { pid: daemon.pid, exec: true },
        iterations: {
          agent: agentMeasured,
          agentWarmup,
          ssh: options.agentSshCommands,
          sshWarmup: options.agentSshWarmup,
          rounds: options.rounds,
          note: `the daemon allows ${AGENT_EXEC_PER_MINUTE} system.exec per minute (AGENT_PROTOCOL §4)`,
        },
        ...figures,
      },
    };
  } finally {
    for (const agent of agents) agent.destroy();
    try {
      if (daemon) await daemon.stop();
      if (tomo) await tomo.stop();
    } finally {
      if (sshd) await sshd.stop();
    }
  }
}

/** Creates `n` servers (each tested against a closed port) and registers an agent on each. */
async function createSwarmServers({ api, n, log }) {
  const port = await closedPort();
  const agent = keepAliveAgent(SETUP_CONCURRENCY);
  const servers = new Array(n);
  const started = performance.now();
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: SETUP_CONCURRENCY }, async () => {
        while (next < n) {
          const i = next;
          next += 1;
          const created = await api.addServer(
            {
              hostname: '127.0.0.1',
              port,
              username: `agent${String(i).padStart(5, '0')}`,
              name: `bench simulated agent ${i}`,
              credential: 'unused',
            },
            agent,
          );
          const registration = await api.registerAgent(created.id, agent);
          servers[i] = {
            serverId: created.id,
            code: registration.registration_code,
            url: registration.server_url,
          };
          if ((i + 1) % 500 === 0) log(`swarm setup: ${i + 1} of ${n} servers with agent codes`);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { servers, port, seconds: (performance.now() - started) / 1000 };
}

/**
 * VmRSS without V8's young generation (its resident part). The young generation is a nursery of
 * at most 32 MiB whose resident size V8 grows under allocation bursts (the handshakes) and
 * shrinks when it sees fit; it does not grow with the number of agents, but it moved the plain
 * RSS difference by ±30 MiB from one run to the next. Everything else stays counted.
 */
function retainedRss(memory) {
  return memory.vmRssBytes - (memory.heapSpaces.new_space?.physical ?? 0);
}

/** Tomo of the swarm on `dataDirectory` (kept across restarts), with the memory probe preloaded. */
function startSwarmTomo(dataDirectory) {
  return startServer({
    name: 'tomo',
    args: ['--expose-gc', '--require', `./${MEMORY_PROBE}`, TOMO_MAIN],
    env: tomoEnvironment(dataDirectory, {
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      AGENT_HEARTBEAT_INTERVAL_SECONDS: String(SWARM_HEARTBEAT.interval),
      AGENT_HEARTBEAT_TIMEOUT_SECONDS: String(SWARM_HEARTBEAT.timeout),
      TOMO_BENCH_MEMORY_FILE: join(dataDirectory, 'memory.json'),
    }),
  });
}

/** The two fan-out calls: ping_agent, and get_agent_status as its baseline. Throw unless ok. */
function fanOutCalls(api, agent) {
  return {
    ping: async (serverId) => {
      const response = await api.ping(serverId, agent);
      if (response.status !== 200 || response.body?.success !== true)
        throw new Error(`ping_agent answered ${response.status}: ${response.text.slice(0, 200)}`);
    },
    status: async (serverId) => {
      const response = await api.agentStatus(serverId, agent);
      if (response.status !== 200 || response.body?.connected !== true)
        throw new Error(
          `get_agent_status answered ${response.status}: ${response.text.slice(0, 200)}`,
        );
    },
  };
}

/**
 * Registers `servers`' codes, spread evenly over the swarm children; each child's servers are
 * appended to `swarm.servers` in the order the child keeps its agents.
 */
async function connectAgents(swarms, servers) {
  const outcomes = await Promise.all(
    swarms.map((swarm, k) => {
      const mine = servers.filter((_, j) => j % swarms.length === k);
      swarm.servers = [...(swarm.servers ?? []), ...mine];
      return swarm.connect(mine.map((s) => s.code));
    }),
  );
  const failed = outcomes.reduce((sum, o) => sum + o.failed, 0);
  if (failed)
    throw new Error(
      `${failed} simulated agents could not register: ${outcomes.flatMap((o) => o.errors).join('; ')}`,
    );
}

/** Closes agents until `n` remain (the newest of each child first); the remaining servers. */
async function keepAgents(swarms, n) {
  const total = swarms.reduce((sum, s) => sum + s.servers.length, 0);
  let excess = total - n;
  await Promise.all(
    swarms.map((swarm, k) => {
      const count = Math.min(swarm.servers.length, Math.ceil(excess / (swarms.length - k)));
      excess -= count;
      swarm.servers = swarm.servers.slice(0, swarm.servers.length - count);
      return count > 0 ? swarm.closeNewest(count) : undefined;
    }),
  );
  return swarms.flatMap((s) => s.servers);
}

/**
 * 3. Simulated agents in one backend (child processes speaking the wire protocol, registered
 * with one-time codes), measured at each count of `options.agentCounts`: backend RSS per agent
 * (after a forced full GC, against the same reading with 0 agents), backend CPU while the agents
 * idle (heartbeat pings every 5 s), and a fan-out: N concurrent ping_agent calls over keep-alive
 * HTTP connections, timed until the last answer, against N concurrent get_agent_status calls (the
 * same HTTP, auth and database lookups without the agent round trip).
 *
 * The servers and codes are created first, then the backend is restarted on the same database so
 * that the 0-agent reading is not inflated by the setup's heap growth; a few warm-up agents then
 * connect, get pinged and leave again, so that code paths loaded on first use are not counted
 * against the first level.
 */
async function benchAgentSwarm({ options, log }) {
  const levels = [...options.agentCounts].sort((a, b) => a - b);
  const maxAgents = levels.at(-1);
  const dataDirectory = makeTempDirectory('tomo-agent-swarm');
  let tomo;
  const swarms = [];
  const httpAgents = [];
  let warmupSwarm;
  try {
    tomo = await startSwarmTomo(dataDirectory);
    log(`tomo (pid ${tomo.pid}) at ${tomo.url}`);
    const setup = await createSwarmServers({
      api: agentApi(tomo, await login(tomo.url, ADMIN.username, ADMIN.password)),
      n: maxAgents + WARMUP_AGENTS,
      log,
    });
    log(
      `swarm setup: ${setup.servers.length} servers + register_agent in ${round(setup.seconds, 1)} s (${round((setup.seconds * 1000) / setup.servers.length, 2)} ms each, ${SETUP_CONCURRENCY} at once)`,
    );
    await tomo.stop();
    tomo = await startSwarmTomo(dataDirectory);
    log(`tomo restarted on the same database (pid ${tomo.pid}) at ${tomo.url}`);
    const api = agentApi(tomo, await login(tomo.url, ADMIN.username, ADMIN.password));
    const agentUrl = setup.servers[0].url.replace(/\/\/[^/]+\//, `//${new URL(tomo.url).host}/`);
    const memory = new EventLoopSnapshots(tomo.pid, join(dataDirectory, 'memory.json'));
    const snapshot = async () => memory.read(memory.mark());
    // Each phase's fan-outs get keep-alive connections of their own, closed before the next
    // memory reading.
    const fanOutPhase = () => {
      const agent = keepAliveAgent(FANOUT_CONNECTIONS);
      httpAgents.push(agent);
      return { calls: fanOutCalls(api, agent), done: () => agent.destroy() };
    };

    // Warm-up agents: connect, a fan-out of each kind, gone again.
    const warmupServers = setup.servers.slice(maxAgents);
    warmupSwarm = await startSwarm({ url: agentUrl, localAddress: '127.0.0.10', concurrency: 10 });
    await connectAgents([warmupSwarm], warmupServers);
    const warmupPhase = fanOutPhase();
    const warmupIds = warmupServers.map((s) => s.serverId);
    for (const kind of ['status', 'ping'])
      await fanOut(tomo.pid, warmupIds, warmupPhase.calls[kind]);
    warmupPhase.done();
    await warmupSwarm.stop();
    warmupSwarm = undefined;
    await waitFor(
      async () => (await api.connectedCount()) === 0,
      'warm-up agents to leave',
      30_000,
    );
    log(`warm-up: ${WARMUP_AGENTS} agents connected, pinged and gone`);

    for (let k = 0; k < SWARM_CHILDREN; k += 1) {
      swarms.push(
        await startSwarm({
          url: agentUrl,
          localAddress: `127.0.0.${11 + k}`,
          concurrency: SWARM_HANDSHAKES_PER_CHILD,
        }),
      );
    }
    const swarmPids = swarms.map((s) => s.pid);
    log(`agent swarm: ${SWARM_CHILDREN} child processes (pids ${swarmPids.join(', ')})`);

    // Every memory reading comes after the same idle window that measures CPU, so each one is
    // taken in the same state: some seconds of heartbeats only, after the previous fan-outs.
    await sleep(SWARM_SETTLE_MS);
    const zeroCpu = await idleCpu(tomo.pid, swarmPids, options.agentIdleSeconds);
    const zeroMemory = await snapshot();
    log(
      `0 agents: RSS ${round(zeroMemory.vmRssBytes / 2 ** 20, 1)} MiB after GC (${round(retainedRss(zeroMemory) / 2 ** 20, 1)} MiB without the young generation), idle CPU ${round(zeroCpu.percentOfCore, 2)} % of a core`,
    );

    // Phase 1, counts ascending: connect, then CPU over an idle window, then memory. No HTTP
    // load at all, so nothing but the agents (and the handshakes before the window) differs
    // between the readings.
    const results = [];
    let connected = 0;
    for (const n of levels) {
      const started = performance.now();
      await connectAgents(swarms, setup.servers.slice(connected, n));
      await waitFor(
        async () => (await api.connectedCount()) === n,
        `${n} agents to be listed as connected`,
        60_000,
        200,
      );
      const handshakeSeconds = (performance.now() - started) / 1000;
      connected = n;
      await sleep(SWARM_SETTLE_MS);
      const cpu = await idleCpu(tomo.pid, swarmPids, options.agentIdleSeconds);
      const levelMemory = await snapshot();
      const level = {
        agents: n,
        handshakeSeconds: round(handshakeSeconds, 2),
        memory: levelMemory,
        rssPerAgentBytes: (retainedRss(levelMemory) - retainedRss(zeroMemory)) / n,
        rawRssPerAgentBytes: (levelMemory.vmRssBytes - zeroMemory.vmRssBytes) / n,
        heapUsedPerAgentBytes:
          (levelMemory.memoryUsage.heapUsed - zeroMemory.memoryUsage.heapUsed) / n,
        idleCpu: { ...cpu, percentOfCore: round(cpu.percentOfCore, 2) },
      };
      results.push(level);
      log(
        `${n} agents connected (${round(handshakeSeconds, 1)} s of handshakes): RSS +${round(level.rssPerAgentBytes / 1000, 1)} KB per agent ` +
          `(young generation excluded; plain RSS +${round(level.rawRssPerAgentBytes / 1000, 1)} KB, JS heap used +${round(level.heapUsedPerAgentBytes / 1000, 1)} KB), ` +
          `idle CPU ${level.idleCpu.percentOfCore} % of a core`,
      );
    }

    // Phase 2, counts descending: agents closed down to N, then the fan-outs to those N. Any
    // frame from an agent makes the backend write its last_heartbeat_at, at most once per 10 s
    // per agent (AgentRegistry), so the first ping fan-out after 10 s without frames ("cold")
    // carries N database writes and the ones right after it ("warm") none: both are reported.
    // An unmeasured get_agent_status fan-out first opens the connections (no agent frames); at
    // the first (largest) count an unmeasured ping fan-out also takes the first-use costs of a
    // fan-out that size, so that they do not land on the cold figure.
    let lastPingFanOutEnd = 0;
    const pingFanOut = async (ids, calls) => {
      const outcome = await fanOut(tomo.pid, ids, calls.ping);
      lastPingFanOutEnd = Date.now();
      return outcome;
    };
    for (const level of [...results].reverse()) {
      const n = level.agents;
      const remaining = await keepAgents(swarms, n);
      await waitFor(
        async () => (await api.connectedCount()) === n,
        `${n} agents to remain connected`,
        60_000,
        200,
      );
      const ids = remaining.map((s) => s.serverId);
      const { calls, done } = fanOutPhase();
      const warmup = [{ kind: 'get_agent_status', ...(await fanOut(tomo.pid, ids, calls.status)) }];
      if (n === maxAgents) warmup.push({ kind: 'ping_agent', ...(await pingFanOut(ids, calls)) });
      await sleep(Math.max(0, lastPingFanOutEnd + HEARTBEAT_WRITE_MS + 500 - Date.now()));
      const cold = await pingFanOut(ids, calls);
      const fanouts = { ping: [], status: [] };
      for (const kind of ['ping', 'status'])
        for (let r = 0; r < options.agentFanouts; r += 1)
          fanouts[kind].push(
            kind === 'ping'
              ? await pingFanOut(ids, calls)
              : await fanOut(tomo.pid, ids, calls[kind]),
          );
      done();
      Object.assign(level, {
        fanOutWarmup: warmup,
        coldPing: cold,
        fanouts,
        coldPingFanoutMs: cold.ms,
        pingFanoutMs: median(fanouts.ping.map((f) => f.ms)),
        statusFanoutMs: median(fanouts.status.map((f) => f.ms)),
        errors: [cold, ...fanouts.ping, ...fanouts.status].reduce((sum, f) => sum + f.errors, 0),
      });
      log(
        `${n} agents: ping fan-out ${round(level.pingFanoutMs, 0)} ms warm, ${round(cold.ms, 0)} ms cold; ` +
          `get_agent_status fan-out ${round(level.statusFanoutMs, 0)} ms` +
          (level.errors ? ` (${level.errors} failed calls)` : ''),
      );
    }
    const lost = swarms.reduce((sum, s) => sum + s.lost, 0);
    for (const level of results) level.agentsLost = lost;
    if (lost) log(`warning: the backend closed ${lost} simulated agents' sockets`);
    return swarmReport({ levels: results, zeroMemory, zeroCpu, setup, options });
  } finally {
    for (const agent of httpAgents) agent.destroy();
    await Promise.all([...swarms, ...(warmupSwarm ? [warmupSwarm] : [])].map((s) => s.stop()));
    if (tomo) await tomo.stop();
    removeTempDirectory(dataDirectory);
  }
}

function swarmReport({ levels, zeroMemory, zeroCpu, setup, options }) {
  const rows = [];
  const benchmark = `6c. Simulated agents in one backend (wire-protocol clients in ${SWARM_CHILDREN} child processes; heartbeat ping every ${SWARM_HEARTBEAT.interval} s, timeout ${SWARM_HEARTBEAT.timeout} s)`;
  const n = (count) => count.toLocaleString('en-US');
  const fanOutBaseline =
    'the same fan-out of get_agent_status (GET /api/v1/servers/{id}/agent): the HTTP, auth and database lookups of ping_agent without the agent round trip';
  const fanOutShape = `N ping_agent calls at once, REST over ${FANOUT_CONNECTIONS} keep-alive connections, until all answered`;
  for (const level of levels) {
    const valid = level.errors === 0 && level.agentsLost === 0;
    const common = { benchmark, valid };
    rows.push(
      makeRow({
        ...common,
        id: `agent-swarm-rss-${level.agents}`,
        baselineName:
          "the same backend with 0 agents connected (VmRSS after two forced full GCs, once it stopped falling, minus V8's resident young generation)",
        metric: `${n(level.agents)} agents: backend RSS per agent, (RSS − RSS at 0) ÷ N, young generation excluded`,
        unit: 'KB',
        tomo: level.rssPerAgentBytes / 1000,
        baseline: null,
        target: { on: 'tomo', op: '<=', value: 30 },
      }),
      makeRow({
        ...common,
        id: `agent-swarm-idle-cpu-${level.agents}`,
        baselineName: `the same backend with 0 agents connected, over the same ${options.agentIdleSeconds} s idle window`,
        metric: `${n(level.agents)} agents: backend CPU while idle-connected (${options.agentIdleSeconds} s window)`,
        unit: '% core',
        tomo: level.idleCpu.percentOfCore,
        baseline: zeroCpu.percentOfCore,
        target: { on: 'tomo', op: '<=', value: 5 },
      }),
      makeRow({
        ...common,
        id: `agent-swarm-fanout-${level.agents}`,
        baselineName: fanOutBaseline,
        metric: `${n(level.agents)} agents: ping fan-out (${fanOutShape}), warm, median of ${options.agentFanouts}`,
        unit: 'ms',
        tomo: level.pingFanoutMs,
        baseline: level.statusFanoutMs,
        target: { on: 'tomo', op: '<=', value: 1000 },
      }),
      makeRow({
        ...common,
        id: `agent-swarm-fanout-cold-${level.agents}`,
        baselineName: fanOutBaseline,
        metric: `${n(level.agents)} agents: ping fan-out, cold (first after ≥ 10 s without agent frames: one last_heartbeat_at write per agent)`,
        unit: 'ms',
        tomo: level.coldPingFanoutMs,
        baseline: level.statusFanoutMs,
      }),
    );
  }
  if (levels.length > 1) {
    const first = levels[0];
    const last = levels.at(-1);
    const growthRow = (id, metric, unit, pick) =>
      makeRow({
        id,
        benchmark,
        baselineName: `the same figure at ${n(first.agents)} agents (ratio = growth)`,
        metric: `growth ${n(first.agents)} → ${n(last.agents)} agents (${last.agents / first.agents}× the agents): ${metric}`,
        unit,
        tomo: pick(last),
        baseline: pick(first),
        valid: levels.every((l) => l.errors === 0 && l.agentsLost === 0),
      });
    rows.push(
      growthRow('agent-swarm-growth-rss', 'RSS per agent', 'KB', (l) => l.rssPerAgentBytes / 1000),
      growthRow('agent-swarm-growth-cpu', 'idle CPU', '% core', (l) => l.idleCpu.percentOfCore),
      growthRow('agent-swarm-growth-fanout', 'warm ping fan-out', 'ms', (l) => l.pingFanoutMs),
      growthRow(
        'agent-swarm-growth-fanout-cold',
        'cold ping fan-out',
        'ms',
        (l) => l.coldPingFanoutMs,
      ),
    );
  }
  const fanOutFigures = (f) => ({ ...f, ms: round(f.ms, 1) });
  return {
    rows,
    details: {
      env: {
        AGENT_HEARTBEAT_INTERVAL_SECONDS: SWARM_HEARTBEAT.interval,
        AGENT_HEARTBEAT_TIMEOUT_SECONDS: SWARM_HEARTBEAT.timeout,
        SERVER_CHECK_INTERVAL_SECONDS: 0,
      },
      children: SWARM_CHILDREN,
      handshakesInFlightPerChild: SWARM_HANDSHAKES_PER_CHILD,
      warmupAgents: WARMUP_AGENTS,
      fanOutConnections: FANOUT_CONNECTIONS,
      setup: {
        servers: setup.servers.length,
        seconds: round(setup.seconds, 2),
        msPerServer: round((setup.seconds * 1000) / setup.servers.length, 2),
        concurrency: SETUP_CONCURRENCY,
        target: `127.0.0.1:${setup.port} (closed: each create_server's connection test is refused at once)`,
      },
      zeroAgents: {
        memory: zeroMemory,
        idleCpu: { ...zeroCpu, percentOfCore: round(zeroCpu.percentOfCore, 2) },
      },
      levels: levels.map((l) => ({
        ...l,
        rssPerAgentBytes: Math.round(l.rssPerAgentBytes),
        rawRssPerAgentBytes: Math.round(l.rawRssPerAgentBytes),
        heapUsedPerAgentBytes: Math.round(l.heapUsedPerAgentBytes),
        pingFanoutMs: round(l.pingFanoutMs, 1),
        coldPingFanoutMs: round(l.coldPingFanoutMs, 1),
        statusFanoutMs: round(l.statusFanoutMs, 1),
        fanOutWarmup: l.fanOutWarmup.map(fanOutFigures),
        coldPing: fanOutFigures(l.coldPing),
        fanouts: {
          ping: l.fanouts.ping.map(fanOutFigures),
          status: l.fanouts.status.map(fanOutFigures),
        },
      })),
    },
  };
}

module.exports = { benchAgentPing, benchAgentExec, benchAgentSwarm };
