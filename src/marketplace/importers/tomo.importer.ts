import { parseDocument } from '../manifest/manifest-parser';
import { describeProblems } from '../manifest/manifest-validator';
import type { AppManifest } from '../manifest/manifest.types';
import {
  CatalogImporter,
  CatalogTree,
  collect,
  importOne,
  ImportResult,
  Unrepresentable,
} from './importer';

const APP_FILE = /(^|\/)app\.ya?ml$|(^|\/)app\.json$/;

function isManifestFile(tree: CatalogTree, path: string): boolean {
  return APP_FILE.test(path) && /^\s*["']?manifest_version["']?\s*:/m.test(tree.read(path) ?? '');
}

/** The native format: `app.yaml` (or `app.json`) files holding Tomo manifests (MANIFEST.md). */
export class TomoImporter implements CatalogImporter {
  readonly format = 'tomo' as const;

  detect(tree: CatalogTree): boolean {
    return tree.files().some((path) => isManifestFile(tree, path));
  }

  import(tree: CatalogTree): ImportResult {
    const paths = tree.files().filter((path) => isManifestFile(tree, path));
    return collect(
      this.format,
      paths.map((path) =>
        importOne(this.format, path, null, () => {
          const parsed = parseDocument(tree.read(path) ?? '', path);
          if (!parsed.ok) throw new Unrepresentable(describeProblems(parsed.problems));
          const manifest = parsed.value as AppManifest;
          if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
            throw new Unrepresentable('the file does not hold a manifest object');
          }
          // Whatever the file says about its source, Tomo fills it in.
          delete manifest.source;
          return manifest;
        }),
      ),
    );
  }
}
