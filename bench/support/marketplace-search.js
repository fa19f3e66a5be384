'use strict';

const Database = require('better-sqlite3');
const { join } = require('node:path');
const { URLSearchParams } = require('node:url');
const { performance } = require('node:perf_hooks');
const { CATEGORIES, WORDS, pick, seededRandom } = require('./marketplace-catalog');

/**
 * The search side of the marketplace benchmark: the query mix, and the baseline — the very SQL
 * CatalogSearchService.search runs (src/marketplace/catalog-search.service.ts, copied here: the
 * bench does not load Nest or TypeORM), on a copy of Tomo's database, with better-sqlite3.
 */

const KINDS = ['one-word', 'two-word', 'prefix', 'category', 'tag'];

/**
 * `count` query parameter sets, the kinds in turn, words drawn from the catalog's word list:
 * one word; two words; the first 3 letters of a word (a prefix); a word within a category; a
 * tag alone (no words: the json_each filter over every app, ordered by name).
 */
function queryMix(seed, count) {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const kind = KINDS[index % KINDS.length];
    if (kind === 'one-word') return { kind, params: { query: pick(random, WORDS) } };
    if (kind === 'two-word')
      return { kind, params: { query: `${pick(random, WORDS)} ${pick(random, WORDS)}` } };
    if (kind === 'prefix') return { kind, params: { query: pick(random, WORDS).slice(0, 3) } };
    if (kind === 'category')
      return { kind, params: { query: pick(random, WORDS), category: pick(random, CATEGORIES) } };
    return { kind, params: { tag: pick(random, WORDS) } };
  });
}

/** GET /api/v1/marketplace/apps?… for a parameter set. */
function searchPath(params) {
  return `/api/v1/marketplace/apps?${new URLSearchParams(params).toString()}`;
}

/** Copy of ftsQuery() in catalog-search.service.ts: each word a quoted prefix term. */
function ftsQuery(text) {
  const words = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .slice(0, 12);
  if (words.length === 0) return null;
  return words.map((word) => `"${word.replace(/"/g, '""')}"*`).join(' ');
}

const RANK = 'bm25(app_catalog_fts, 0, 10.0, 2.0, 5.0, 3.0)';

/** The two statements of CatalogSearchService.search (page of rows, then the total). */
function searchStatements({ query, category, tag, limit = 20, offset = 0 }) {
  const where = ['r.enabled = 1'];
  const params = [];
  const match = query ? ftsQuery(query) : null;
  if (match) {
    where.push('app_catalog_fts MATCH ?');
    params.push(match);
  }
  if (category) {
    where.push('c.category = ?');
    params.push(category);
  }
  if (tag) {
    where.push('EXISTS (SELECT 1 FROM json_each(c.tags) t WHERE t.value = ?)');
    params.push(tag.toLowerCase());
  }
  const from = match
    ? 'app_catalog_fts JOIN app_catalog c ON c.id = app_catalog_fts.catalog_id JOIN marketplace_repositories r ON r.id = c.repository_id'
    : 'app_catalog c JOIN marketplace_repositories r ON r.id = c.repository_id';
  const order = match ? `${RANK}, c.name` : 'c.name COLLATE NOCASE, c.id';
  const clause = where.join(' AND ');
  return {
    rowsSql: `SELECT c.*, r.name AS repository_name FROM ${from} WHERE ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`,
    rowsParams: [...params, limit, offset],
    countSql: `SELECT COUNT(*) AS total FROM ${from} WHERE ${clause}`,
    countParams: params,
  };
}

/**
 * A consistent copy of Tomo's database (SQLite online backup of <data directory>/tomo.db, safe
 * while Tomo runs in WAL mode) in `targetDirectory`, opened read-only.
 */
async function openDatabaseCopy(tomoDataDirectory, targetDirectory) {
  const target = join(targetDirectory, 'tomo.db');
  const source = new Database(join(tomoDataDirectory, 'tomo.db'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    await source.backup(target);
  } finally {
    source.close();
  }
  return new Database(target, { readonly: true, fileMustExist: true });
}

/**
 * The baseline search: both statements with better-sqlite3, prepared once per SQL text (as
 * TypeORM's statement cache does), rows returned as they come (no mapping to views). Returns
 * a function of the parameter set giving { ms, total, ids }.
 */
function directSearch(db) {
  const statements = new Map();
  const prepared = (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return (params) => {
    const started = performance.now();
    const s = searchStatements(params);
    const rows = prepared(s.rowsSql).all(...s.rowsParams);
    const { total } = prepared(s.countSql).get(...s.countParams);
    const ms = performance.now() - started;
    return { ms, total: Number(total), ids: rows.map((row) => row.id) };
  };
}

module.exports = { KINDS, directSearch, ftsQuery, openDatabaseCopy, queryMix, searchPath };
