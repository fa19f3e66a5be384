import type { CatalogTree, ImportResult } from '../importer';
import { toAppId } from '../importer';

/** The six store folders of shared/fixtures/catalogs/. */
export const STORES = ['casaos', 'runtipi', 'umbrel', 'tomo', 'dokploy', 'portainer'] as const;

/**
 * Each app's outcome, by manifest id (the store's id made into one for a skipped app):
 * "imported", or the reason it was skipped.
 */
export function outcomesOf(result: ImportResult): Record<string, string> {
  const outcomes: Record<string, string> = {};
  for (const app of result.apps) outcomes[app.manifest.id] = 'imported';
  for (const skipped of result.skipped)
    outcomes[toAppId(skipped.app_id ?? skipped.path)] = skipped.reason;
  return outcomes;
}

/** The expectation table of a spec as a matcher: "imported" exactly, a reason by pattern. */
export function expectedOutcomes(table: Record<string, 'imported' | RegExp>): unknown {
  return Object.fromEntries(
    Object.entries(table).map(([id, outcome]) => [
      id,
      outcome === 'imported' ? 'imported' : expect.stringMatching(outcome),
    ]),
  );
}

/** A CatalogTree of in-memory files, for the cases the fixtures do not hold. */
export function memoryTree(files: Record<string, string>): CatalogTree {
  const paths = Object.keys(files).sort();
  return {
    files: () => paths,
    read: (path) => (Object.hasOwn(files, path) ? files[path] : undefined),
  };
}
