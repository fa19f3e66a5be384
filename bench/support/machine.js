'use strict';

const { execFileSync } = require('node:child_process');
const os = require('node:os');
const { ROOT } = require('./processes');

function git(args) {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** What the figures were measured on: they only compare within one run, on one machine. */
function machineInfo() {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    uvThreadPoolSize: process.env.UV_THREADPOOL_SIZE ?? null,
    loadAverageAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
    commit: git(['rev-parse', '--short', 'HEAD']),
    trackedChanges: git(['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}

function loadAverage() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

module.exports = { machineInfo, loadAverage };
