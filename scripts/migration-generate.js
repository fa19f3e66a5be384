#!/usr/bin/env node
// Usage: npm run migration:generate -- <Name>
// Builds, then asks TypeORM for the SQL that brings a database migrated to the latest migration
// in line with the entities, written as migrations/<timestamp>-<name>.ts. TypeORM writes raw SQL:
// rewrite it with the schema API (queryRunner.createTable, addColumn, createIndex …) so that the
// same file runs on SQLite and PostgreSQL; the drift test tells you when entities and migrations
// still differ.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const name = process.argv[2];
if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
  console.error(
    'Usage: npm run migration:generate -- <Name>   (letters and digits, e.g. AddServers)',
  );
  process.exit(2);
}
const root = join(__dirname, '..');
const run = (command, args, env) => {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
const scratch = mkdtempSync(join(tmpdir(), 'tomo-migration-'));
try {
  run('npx', ['nest', 'build']);
  const env = { DATA_DIRECTORY: scratch, LOG_LEVEL: 'silent' };
  run('npx', ['typeorm', 'migration:run', '-d', 'dist/src/database/cli-data-source.js'], env);
  run(
    'npx',
    [
      'typeorm',
      'migration:generate',
      `migrations/${name}`,
      '-d',
      'dist/src/database/cli-data-source.js',
    ],
    env,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
