import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryTree } from './catalog-tree';
import type { ImportedApp } from './importers/importer';
import { loadImporters } from './repositories.service';

/** The shipped catalog's sources (`catalog/` of the package), from dist/ or from src/. */
const SOURCE_CANDIDATES = [join(__dirname, '../../../catalog'), join(__dirname, '../../catalog')];
/** What `npm run build` makes of them: validated manifests, so startup parses no YAML. */
export const COMPILED_PATH = join(__dirname, '../../catalog/builtin.json');

export interface CompiledCatalog {
  /** sha256 over the source files: the catalog is rewritten only when it changes. */
  fingerprint: string;
  apps: ImportedApp[];
  invalid: { path: string; reason: string }[];
}

function sourceDirectory(): string | undefined {
  return SOURCE_CANDIDATES.find((candidate) => existsSync(candidate));
}

/** Reads and validates the source files (the build does this; so does a run from src/). */
export function compileCatalog(directory = sourceDirectory()): CompiledCatalog | undefined {
  if (!directory) return undefined;
  const tree = new DirectoryTree(directory);
  const hash = createHash('sha256');
  for (const path of tree.files()) hash.update(`${path}\0${tree.read(path) ?? ''}\0`);
  const result = loadImporters().importerFor('tomo', tree).import(tree);
  return {
    fingerprint: hash.digest('hex'),
    apps: result.apps,
    invalid: result.skipped.map((skipped) => ({ path: skipped.path, reason: skipped.reason })),
  };
}

/** The compiled catalog when the build made one, else compiled now from the sources. */
export function loadCatalog(): CompiledCatalog | undefined {
  if (existsSync(COMPILED_PATH)) {
    return JSON.parse(readFileSync(COMPILED_PATH, 'utf8')) as CompiledCatalog;
  }
  return compileCatalog();
}
