'use strict';

const { transformFileSync } = require('@swc/core');
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { ROOT, makeTempDirectory, removeTempDirectory } = require('./processes');

/**
 * The bench's sshd is the e2e tests' own: `startSshd()` from test/support/sshd.ts and
 * `sshdAvailable()` / `SSHD_REASON` from test/support/infra.ts. The bench runs on plain Node, so
 * both files are compiled to CommonJS with @swc/core (a devDependency; Jest uses it too) into a
 * temp directory, required from there, and the directory is removed again. Both import only
 * Node built-ins, so a per-file transform is all it takes.
 */
const HARNESS_FILES = [
  'test/support/free-port.ts',
  'test/support/sshd.ts',
  'test/support/infra.ts',
];

let harness = null;

function loadHarness() {
  if (harness) return harness;
  const directory = makeTempDirectory('sshd-harness');
  try {
    const modules = {};
    for (const file of HARNESS_FILES) {
      const { code } = transformFileSync(join(ROOT, file), {
        swcrc: false,
        sourceMaps: false,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      const compiled = join(directory, `${basename(file, '.ts')}.js`);
      writeFileSync(compiled, code);
      modules[basename(file, '.ts')] = require(compiled);
    }
    harness = modules;
  } finally {
    removeTempDirectory(directory);
  }
  return harness;
}

/** Null when this process can start an sshd (root, /usr/sbin/sshd present), else why not. */
function sshdUnavailableReason() {
  const { infra } = loadHarness();
  if (infra.sshdAvailable()) return null;
  return `${infra.SSHD_REASON}; this process runs as uid ${process.getuid?.() ?? '?'}`;
}

/** Instances started and not stopped yet: stopped synchronously should the bench exit early. */
const running = new Set();

function stopAllSync() {
  for (const instance of running) {
    try {
      instance.stopSync();
    } catch (error) {
      process.stderr.write(`stopping the bench sshd: ${error.message}\n`);
    }
  }
  running.clear();
}

/**
 * A real OpenSSH server on 127.0.0.1 with a throwaway user (see test/support/sshd.ts): resolves
 * with its `{ host, port, username, password, hostKeyFingerprint, log(), stop() }`. `stop()`
 * kills the listener and every session, and removes the user and the temp directory; it also
 * runs on process exit should the caller never get there.
 */
async function startBenchSshd(options = {}) {
  const instance = await loadHarness().sshd.startSshd(options);
  running.add(instance);
  const stop = instance.stop.bind(instance);
  instance.stop = async () => {
    try {
      await stop();
    } finally {
      running.delete(instance);
    }
  };
  return instance;
}

process.on('exit', stopAllSync);

module.exports = { sshdUnavailableReason, startBenchSshd };
