'use strict';

const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { parse } = require('yaml');

/**
 * Synthetic catalog repositories in the Tomo manifest format (docs/app-manifest.md) for the
 * marketplace benchmark: real git repositories (bare + work tree, the git CLI), apps drawn from
 * a fixed word list with a seeded PRNG, so that every run generates the very same catalogs.
 */

/** The vocabulary of names, descriptions, tags and queries (valid tags: ^[a-z0-9][a-z0-9-]*$). */
const WORDS = [
  'alpha',
  'anchor',
  'archive',
  'atlas',
  'audio',
  'backup',
  'badge',
  'beacon',
  'binary',
  'blog',
  'board',
  'bookmark',
  'bridge',
  'broker',
  'budget',
  'cache',
  'calendar',
  'camera',
  'canvas',
  'chart',
  'chat',
  'cipher',
  'cloud',
  'cluster',
  'code',
  'comic',
  'compass',
  'console',
  'contact',
  'crawler',
  'cron',
  'dash',
  'data',
  'deploy',
  'design',
  'diary',
  'digest',
  'disk',
  'dns',
  'docs',
  'draft',
  'echo',
  'editor',
  'email',
  'engine',
  'event',
  'feed',
  'field',
  'file',
  'finance',
  'flow',
  'forge',
  'form',
  'forum',
  'frame',
  'gallery',
  'game',
  'garden',
  'gate',
  'graph',
  'grid',
  'guard',
  'harbor',
  'health',
  'hub',
  'image',
  'inbox',
  'index',
  'inventory',
  'invoice',
  'issue',
  'journal',
  'kanban',
  'key',
  'lab',
  'ledger',
  'library',
  'light',
  'link',
  'log',
  'mail',
  'map',
  'market',
  'matrix',
  'media',
  'meet',
  'mesh',
  'metric',
  'mirror',
  'monitor',
  'music',
  'note',
  'notify',
  'office',
  'orbit',
  'pad',
  'panel',
  'paper',
  'password',
  'photo',
  'pilot',
  'pipeline',
  'pixel',
  'planner',
  'player',
  'podcast',
  'poll',
  'portal',
  'print',
  'proxy',
  'pulse',
  'queue',
  'radar',
  'radio',
  'reader',
  'recipe',
  'relay',
  'report',
  'router',
  'scan',
  'schedule',
  'script',
  'search',
  'secret',
  'sensor',
  'server',
  'share',
  'shell',
  'signal',
  'sketch',
  'snippet',
  'social',
  'space',
  'spark',
  'status',
  'storage',
  'stream',
  'studio',
  'survey',
  'sync',
  'task',
  'team',
  'terminal',
  'ticket',
  'timer',
  'token',
  'torrent',
  'tracker',
  'tunnel',
  'uptime',
  'vault',
  'video',
  'vision',
  'vpn',
  'wallet',
  'watch',
  'weather',
  'web',
  'wiki',
  'work',
  'workflow',
  'zone',
];

/** The manifest schema's categories (src/marketplace/manifest/manifest.schema.ts). */
const CATEGORIES = [
  'automation',
  'development',
  'media',
  'monitoring',
  'networking',
  'productivity',
  'security',
  'storage',
  'utility',
  'other',
];

/** The image every generated service uses: pinned, as the manifest validator requires. */
const IMAGE = 'tomo-test/busybox:1.35';

/** mulberry32: a small seeded PRNG; returns floats in [0, 1). */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(random, list) {
  return list[Math.floor(random() * list.length)];
}

/** `count` different words. */
function pickDistinct(random, list, count) {
  const chosen = new Set();
  while (chosen.size < count) chosen.add(pick(random, list));
  return [...chosen];
}

function capitalize(word) {
  return word[0].toUpperCase() + word.slice(1);
}

/** One generated app's fields; `revision` changes version and description (a "changed" app). */
function appFields(random, index) {
  const nameWords = pickDistinct(random, WORDS, 2);
  const descriptionWords = Array.from({ length: 8 + Math.floor(random() * 8) }, () =>
    pick(random, WORDS),
  );
  return {
    id: `${nameWords.join('-')}-${index}`,
    name: nameWords.map(capitalize).join(' '),
    description: `${capitalize(descriptionWords.join(' '))}.`,
    category: pick(random, CATEGORIES),
    tags: pickDistinct(random, WORDS, 2 + Math.floor(random() * 3)),
    port: 1024 + Math.floor(random() * 60000),
    revision: 0,
  };
}

function manifestText(app) {
  return `manifest_version: 1
id: ${app.id}
name: ${app.name}
version: "1.${app.revision}.0"
description: ${app.description}
category: ${app.category}
tags: [${app.tags.join(', ')}]
services:
  - name: web
    image: ${IMAGE}
    command: [busybox, httpd, -f, -p, "${app.port}"]
    ports: [{container: ${app.port}, host: null}]
`;
}

/** git without this machine's system or user configuration. */
function gitEnvironment() {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  };
}

function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    env: gitEnvironment(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function gitAvailable() {
  try {
    git(undefined, '--version');
    return true;
  } catch {
    return false;
  }
}

/**
 * A catalog repository of `apps` generated apps under `root`: `catalog.git` (bare, branch main,
 * read by Tomo as file://…) and `work` (its clone, where commits are made and pushed).
 */
function createCatalog(root, { seed, apps }) {
  const random = seededRandom(seed);
  const bare = join(root, 'catalog.git');
  const work = join(root, 'work');
  mkdirSync(root, { recursive: true });
  git(root, 'init', '-q', '--bare', '--initial-branch=main', bare);
  git(root, 'clone', '-q', bare, work);
  const list = Array.from({ length: apps }, (_, index) => appFields(random, index));
  for (const app of list) {
    mkdirSync(join(work, 'apps', app.id), { recursive: true });
    writeFileSync(join(work, 'apps', app.id, 'app.yaml'), manifestText(app));
  }
  writeFileSync(join(work, 'README.md'), `# Bench catalog (seed ${seed}, ${apps} apps)\n`);
  const catalog = { root, bare, work, url: `file://${bare}`, seed, random, apps: list };
  catalog.commit = commit(catalog, `${apps} apps`);
  return catalog;
}

function commit(catalog, message) {
  git(catalog.work, 'add', '-A');
  git(
    catalog.work,
    '-c',
    'user.name=bench',
    '-c',
    'user.email=bench@localhost',
    'commit',
    '-q',
    '-m',
    message,
  );
  git(catalog.work, 'push', '-q', 'origin', 'HEAD:main');
  return git(catalog.work, 'rev-parse', 'HEAD').trim();
}

/**
 * Changes `count` different apps (new version, new description) in one commit, pushed; returns
 * the commit and the changed ids.
 */
function changeApps(catalog, count) {
  const { random } = catalog;
  const changed = pickDistinct(random, catalog.apps, count);
  for (const app of changed) {
    app.revision += 1;
    const words = Array.from({ length: 10 }, () => pick(random, WORDS));
    app.description = `${capitalize(words.join(' '))}.`;
    writeFileSync(join(catalog.work, 'apps', app.id, 'app.yaml'), manifestText(app));
  }
  return {
    commit: commit(catalog, `${count} apps changed`),
    ids: changed.map((app) => app.id),
  };
}

/** Tomo's YAML options for catalog files (src/marketplace/manifest/manifest-parser.ts). */
const YAML_OPTIONS = { maxAliasCount: 100, uniqueKeys: true, schema: 'core', prettyErrors: false };

/**
 * The baseline of a sync: `git clone --depth 1` of the branch over file:// (the flags Tomo's
 * checkout uses) into `directory`, then every apps/<id>/app.yaml read and parsed with the yaml
 * package in this process. Times in ms.
 */
function cloneAndParse(url, directory) {
  rmSync(directory, { recursive: true, force: true });
  const started = performance.now();
  git(
    undefined,
    'clone',
    '-q',
    '--depth',
    '1',
    '--single-branch',
    '--no-tags',
    '--branch',
    'main',
    '--',
    url,
    directory,
  );
  const cloned = performance.now();
  let apps = 0;
  const appsDirectory = join(directory, 'apps');
  for (const id of readdirSync(appsDirectory)) {
    const manifest = parse(readFileSync(join(appsDirectory, id, 'app.yaml'), 'utf8'), YAML_OPTIONS);
    if (manifest?.manifest_version === 1) apps += 1;
  }
  const parsed = performance.now();
  rmSync(directory, { recursive: true, force: true });
  return { cloneMs: cloned - started, parseMs: parsed - cloned, totalMs: parsed - started, apps };
}

module.exports = {
  CATEGORIES,
  WORDS,
  changeApps,
  cloneAndParse,
  createCatalog,
  gitAvailable,
  pick,
  seededRandom,
};
