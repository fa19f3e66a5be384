'use strict';

const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

/** The repository root: servers run with it as working directory. */
const ROOT = join(__dirname, '..', '..');

/** Every server this process started and has not stopped yet, by PID. */
const running = new Map();
/** Every temp directory this process created and has not removed yet. */
const directories = new Set();

function makeTempDirectory(label) {
  const directory = mkdtempSync(join(tmpdir(), `tomo-bench-${label}-`));
  directories.add(directory);
  return directory;
}

function removeTempDirectory(directory) {
  rmSync(directory, { recursive: true, force: true });
  directories.delete(directory);
}

/** The environment a server inherits: nothing from this shell but what Node itself needs. */
function baseEnvironment() {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  if (process.env.UV_THREADPOOL_SIZE) env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE;
  return env;
}

/**
 * Spawns `node <args>` in the repository root and resolves once its stdout says
 * "listening on http://…". `startedAt` (performance.now()) is taken just before spawn.
 */
function startServer({ name, args, env, timeoutMs = 120_000 }) {
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...baseEnvironment(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  running.set(child.pid, child);
  void exited.then(() => running.delete(child.pid));

  const server = {
    name,
    pid: child.pid,
    startedAt,
    listeningAt: null,
    url: null,
    output: () => `${stdout}${stderr}`.trim(),
    stop: () => stopProcess(child, exited),
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void server.stop();
      reject(new Error(`${name} did not listen within ${timeoutMs} ms:\n${server.output()}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (server.url) return;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        server.listeningAt = performance.now();
        server.url = match[1].replace(/\/$/, '');
        clearTimeout(timer);
        resolve(server);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!server.url)
        reject(
          new Error(`${name} exited (${code ?? signal}) before listening:\n${server.output()}`),
        );
    });
  });
}

/** SIGTERM by PID, SIGKILL after 10 s; resolves when the process is gone. */
async function stopProcess(child, exited) {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child.pid);
}

/** Resident set size of a process in MiB, from VmRSS in /proc/<pid>/status. */
function residentMegabytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** Last-resort cleanup when the run is interrupted: kill what we started, by PID. */
function killEverything() {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}

module.exports = {
  ROOT,
  makeTempDirectory,
  removeTempDirectory,
  startServer,
  residentMegabytes,
  killEverything,
};
