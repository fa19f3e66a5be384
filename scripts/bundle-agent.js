'use strict';

/**
 * Bundles the agent daemon (dist/src/daemon, compiled by `nest build`) and its production
 * dependencies (ws, dockerode and theirs) into one file, dist/agent/tomo-agent.cjs, which
 * install_agent copies to a server. Native add-ons that dependencies load optionally
 * (ssh2's crypto binding, cpu-features, bufferutil) stay out: their pure-JS fallbacks run.
 */
const { build } = require('esbuild');
const { createHash } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist/src/daemon/main.js');
const outfile = join(root, 'dist/agent/tomo-agent.cjs');

async function main() {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
    external: ['*.node', 'cpu-features', 'bufferutil', 'utf-8-validate'],
    // main.ts starts only when it is the entry module; in the bundle it always is.
    define: { 'require.main': 'module' },
    metafile: true,
  });
  const bytes = readFileSync(outfile);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(`${outfile}.sha256`, `${sha256}\n`);
  const inputs = Object.keys(result.metafile.inputs).length;
  process.stdout.write(
    `agent bundle: ${outfile.slice(root.length + 1)} (${(bytes.length / 1024).toFixed(0)} KiB from ${inputs} modules)\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`agent bundle failed: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
