'use strict';

/** Defaults of a full run and of a `--quick` smoke run (seconds unless noted). */
const PROFILES = {
  full: {
    warmupSeconds: 5,
    durationSeconds: 10,
    rounds: 2,
    coldStartRuns: 5,
    restartRuns: 5,
    idleSeconds: 5,
    idleLoopSeconds: 2,
    bcryptSamples: 10,
    sshIterations: 300,
    sshWarmupIterations: 30,
    sshBursts: 6,
    agentPings: 600,
    agentPingWarmup: 100,
    agentExecCommands: 50,
    agentExecWarmup: 10,
    agentSshCommands: 200,
    agentSshWarmup: 20,
    agentIdleSeconds: 10,
    agentFanouts: 2,
    marketplaceRepositories: 5,
    marketplaceApps: 1000,
    marketplaceSyncRounds: 3,
    marketplaceSearches: 600,
    marketplaceSearchWarmup: 100,
  },
  quick: {
    warmupSeconds: 0.5,
    durationSeconds: 2,
    rounds: 1,
    coldStartRuns: 1,
    restartRuns: 0,
    idleSeconds: 2,
    idleLoopSeconds: 1,
    bcryptSamples: 3,
    sshIterations: 40,
    sshWarmupIterations: 10,
    sshBursts: 2,
    agentPings: 100,
    agentPingWarmup: 30,
    agentExecCommands: 20,
    agentExecWarmup: 5,
    agentSshCommands: 40,
    agentSshWarmup: 10,
    agentIdleSeconds: 5,
    agentFanouts: 1,
    marketplaceRepositories: 5,
    marketplaceApps: 1000,
    marketplaceSyncRounds: 1,
    marketplaceSearches: 500,
    marketplaceSearchWarmup: 50,
  },
};

const USAGE = `Usage: npm run bench [-- options]
  --quick              short smoke run (about 3 min after the build)
  --duration <s>       measured seconds of each load run
  --warmup <s>         warm-up seconds before each measured window
  --rounds <n>         alternating rounds Tomo/baseline splitting the measured time (A B B A …)
  --cold-runs <n>      cold starts per server (the median is reported)
  --restart-runs <n>   restarts on an existing data directory per server (0 = none)
  --connections <n>    concurrent connections of each load run (default 20)
  --ssh-iterations <n> sequential commands per kind in the ssh benchmark (300; quick 40)
  --ssh-bursts <n>     measured bursts of 200 commands per side in the ssh benchmark (6; quick 2)
  --agent-counts <list>
                       simulated agents connected at each step of the agents benchmark
                       (500,1000,2000)
  --only <list>        comma-separated subset: mcp,rest,login,cold-start,ssh,agents,
                       marketplace,deploy,metrics,backup,audit-logs
  --strict             exit 1 when a target is missed or a benchmark was skipped`;

const BENCHMARKS = [
  'mcp',
  'rest',
  'login',
  'cold-start',
  'ssh',
  'agents',
  'marketplace',
  'deploy',
  'metrics',
  'backup',
  'audit-logs',
];

function positive(name, raw) {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

/** Parses the command line into the options every benchmark reads. */
function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const options = {
    quick,
    profile: quick ? 'quick' : 'full',
    ...PROFILES[quick ? 'quick' : 'full'],
    connections: 20,
    agentCounts: [500, 1000, 2000],
    only: BENCHMARKS,
    strict: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = () => {
      i += 1;
      if (i >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[i];
    };
    if (arg === '--quick') continue;
    else if (arg === '--strict') options.strict = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--duration') options.durationSeconds = positive(arg, next());
    else if (arg === '--warmup') options.warmupSeconds = positive(arg, next());
    else if (arg === '--rounds') options.rounds = Math.round(positive(arg, next()));
    else if (arg === '--cold-runs') options.coldStartRuns = Math.round(positive(arg, next()));
    else if (arg === '--restart-runs')
      options.restartRuns = Math.max(0, Math.round(Number(next())));
    else if (arg === '--connections') options.connections = Math.round(positive(arg, next()));
    else if (arg === '--ssh-iterations') options.sshIterations = Math.round(positive(arg, next()));
    else if (arg === '--ssh-bursts') options.sshBursts = Math.round(positive(arg, next()));
    else if (arg === '--agent-counts')
      options.agentCounts = next()
        .split(',')
        .map((n) => Math.round(positive(arg, n)));
    else if (arg === '--only') {
      const names = next()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = names.filter((n) => !BENCHMARKS.includes(n));
      if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}`);
      options.only = names;
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

module.exports = { parseArgs, USAGE, BENCHMARKS };
