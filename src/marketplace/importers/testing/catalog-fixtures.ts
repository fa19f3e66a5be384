import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryTree } from '../../catalog-tree';
import { validateManifest } from '../../manifest/manifest-validator';
import type { CatalogImporter, CatalogTree, ImportResult } from '../importer';
import { toAppId } from '../importer';

/** shared/fixtures/catalogs/, beside the project. */
export const CATALOGS = join(__dirname, '../../../../../shared/fixtures/catalogs');

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

/**
 * The checks every importer passes over its whole fixture store: every app read, each imported
 * or skipped as the table says, every manifest valid with its source, and detection of its own
 * store only. `sample` is a file the store must hold (the fixture path resolves).
 */
export function storeWideTests(
  importer: CatalogImporter,
  store: (typeof STORES)[number],
  expected: Record<string, 'imported' | RegExp>,
  sample: string,
): ImportResult {
  const result = importer.import(new DirectoryTree(join(CATALOGS, store)));

  it('reads the whole fixture folder', () => {
    expect(existsSync(join(CATALOGS, store, sample))).toBe(true);
    expect(result.format).toBe(importer.format);
    expect(result.apps.length + result.skipped.length).toBe(Object.keys(expected).length);
  });

  it('imports each app or says why it cannot', () => {
    expect(outcomesOf(result)).toEqual(expectedOutcomes(expected));
  });

  it('produces manifests that validate on their own', () => {
    for (const app of result.apps) {
      expect(validateManifest(app.manifest)).toMatchObject({ valid: true });
      expect(app.manifest.source).toEqual({ path: app.path, format: importer.format });
    }
  });

  it('recognises its own store and none of the others', () => {
    for (const other of STORES) {
      expect([other, importer.detect(new DirectoryTree(join(CATALOGS, other)))]).toEqual([
        other,
        other === store,
      ]);
    }
  });

  return result;
}
