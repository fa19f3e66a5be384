'use strict';

/**
 * Entry point of `npm run bench` (after `npm run build`): starts Tomo and the baselines, runs
 * the benchmarks, prints the markdown table and writes bench/results/latest.{json,md}.
 * Options: see bench/support/args.js or `node bench/run.js --help`.
 */
const { benchAgentExec, benchAgentPing, benchAgentSwarm } = require('./agents');
const { benchColdStart } = require('./cold-start');
const { benchConcurrentLogins } = require('./concurrent-logins');
const { benchInstallApp } = require('./deploy');
const { benchAuditLogsQuery } = require('./audit-logs-query');
const { benchBackup } = require('./backup');
const { benchGetMetrics } = require('./get-metrics');
const { benchMarketplace } = require('./marketplace');
const { benchMcpToolsCall } = require('./mcp-tools-call');
const { benchRestAuthMe } = require('./rest-auth-me');
const { benchSshCommands } = require('./ssh-commands');
const { parseArgs, USAGE } = require('./support/args');
const { login } = require('./support/http');
const { loadAverage, machineInfo } = require('./support/machine');
const { killEverything } = require('./support/processes');
const { summarize, writeReport } = require('./support/report');
const {
  ADMIN,
  BARE_MCP,
  BARE_REST,
  assertBuilt,
  startBaseline,
  startTomoWithProbe,
} = require('./support/servers');

const startedAt = Date.now();
function log(message) {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  assertBuilt();
  const machine = machineInfo();
  log(
    `${options.profile} run: ${options.only.join(', ')} on ${machine.availableParallelism} cores, Node ${machine.node}`,
  );

  const rows = [];
  const details = {};
  const failures = [];
  const skipped = [];
  const attempt = async (name, fn) => {
    try {
      const outcome = await fn();
      if (outcome.skipped) {
        log(`${name} skipped: ${outcome.skipped}`);
        skipped.push({ benchmark: name, reason: outcome.skipped });
        return;
      }
      rows.push(...outcome.rows);
      details[name] = outcome.details;
    } catch (error) {
      log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      failures.push({
        benchmark: name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const wants = (name) => options.only.includes(name);

  if (wants('mcp') || wants('rest') || wants('login')) {
    let tomo;
    try {
      tomo = await startTomoWithProbe();
      log(`tomo (pid ${tomo.pid}) at ${tomo.url}`);
      const token = await login(tomo.url, ADMIN.username, ADMIN.password);
      const context = { options, tomo, token, log };
      if (wants('mcp'))
        await attempt('mcp', async () => {
          const bareMcp = await startBaseline('bare-mcp', BARE_MCP, tomo.dataDirectory);
          log(`bare MCP baseline (pid ${bareMcp.pid}) at ${bareMcp.url}`);
          try {
            return await benchMcpToolsCall({ ...context, bareMcp });
          } finally {
            await bareMcp.stop();
          }
        });
      if (wants('rest'))
        await attempt('rest', async () => {
          const bareRest = await startBaseline('bare-rest', BARE_REST, tomo.dataDirectory);
          log(`bare REST baseline (pid ${bareRest.pid}) at ${bareRest.url}`);
          try {
            return await benchRestAuthMe({ ...context, bareRest });
          } finally {
            await bareRest.stop();
          }
        });
      // Last: every login adds a session and an audit entry to Tomo's database.
      if (wants('login')) await attempt('login', () => benchConcurrentLogins(context));
    } catch (error) {
      log(`tomo could not be started: ${error instanceof Error ? error.message : String(error)}`);
      failures.push({
        benchmark: 'tomo',
        error: String(error instanceof Error ? error.message : error),
      });
    } finally {
      if (tomo) await tomo.stop();
    }
  }
  if (wants('cold-start')) await attempt('coldStart', () => benchColdStart({ options, log }));
  // Its own Tomo and sshd: nothing else runs meanwhile.
  if (wants('ssh')) await attempt('ssh', () => benchSshCommands({ options, log }));
  // Each part starts its own Tomo (and daemon, sshd or agent swarm) and stops it again.
  if (wants('agents')) {
    await attempt('agentPing', () => benchAgentPing({ options, log }));
    await attempt('agentExec', () => benchAgentExec({ options, log }));
    await attempt('agentSwarm', () => benchAgentSwarm({ options, log }));
  }
  // Its own Tomo and git repositories.
  if (wants('marketplace')) await attempt('marketplace', () => benchMarketplace({ options, log }));
  // Its own Tomo, sshd (root), catalog and agent daemon, on the real Docker engine.
  if (wants('deploy')) await attempt('deploy', () => benchInstallApp({ options, log }));
  // Each starts its own Tomo on a database the benchmark fills first.
  if (wants('metrics')) await attempt('getMetrics', () => benchGetMetrics({ options, log }));
  if (wants('backup')) await attempt('backup', () => benchBackup({ options, log }));
  if (wants('audit-logs')) await attempt('auditLogs', () => benchAuditLogsQuery({ options, log }));

  const report = {
    generatedAt: new Date().toISOString(),
    profile: options.profile,
    options,
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    elapsedSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    rows,
    summary: summarize(rows),
    failures,
    skipped,
    details,
  };
  const markdown = writeReport(report);
  process.stdout.write(`\n${markdown}`);
  log(`wrote bench/results/latest.json and latest.md in ${report.elapsedSeconds} s`);
  if (failures.length || report.summary.invalid) return 1;
  return options.strict && (report.summary.missed || skipped.length) ? 1 : 0;
}

process.on('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killEverything();
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
