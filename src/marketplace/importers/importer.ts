import { describeProblems, validateManifest } from '../manifest/manifest-validator';
import type { AppManifest, SourceFormat } from '../manifest/manifest.types';

/**
 * A catalog checked out on disk, seen through a narrow window: relative POSIX paths, UTF-8 text,
 * nothing outside the checkout. Importers never touch the file system themselves.
 */
export interface CatalogTree {
  /** Every regular file, relative to the root (`Apps/Gitea/docker-compose.yml`), sorted. */
  files(): readonly string[];
  /** A file's text, or undefined when it is missing, not a regular file or too large. */
  read(path: string): string | undefined;
}

export interface ImportedApp {
  /** The file the app was read from (its main file), relative to the catalog root. */
  path: string;
  manifest: AppManifest;
  /** What the import changed or left out without making the app unusable (shown to admins). */
  notes: string[];
}

export interface SkippedApp {
  path: string;
  /** The store's id of the app when it could be read. */
  app_id: string | null;
  /** Why it could not be represented, for a person: "needs the Docker socket", … */
  reason: string;
}

export interface ImportResult {
  format: SourceFormat;
  apps: ImportedApp[];
  skipped: SkippedApp[];
}

/** One store format: recognises a checkout and turns each of its apps into a Tomo manifest. */
export interface CatalogImporter {
  readonly format: SourceFormat;
  /** True when the tree looks like this format (cheap: file names, maybe one small file). */
  detect(tree: CatalogTree): boolean;
  /** Never throws for one broken app: it lands in `skipped` with its reason. */
  import(tree: CatalogTree): ImportResult;
}

/** Thrown inside an importer for an app that cannot be represented; caught per app. */
export class Unrepresentable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Unrepresentable';
  }
}

/**
 * Runs one app's conversion: a thrown Unrepresentable, any other error, or a manifest that fails
 * validation becomes a SkippedApp with its reason; a valid one an ImportedApp with its source.
 */
export function importOne(
  format: SourceFormat,
  path: string,
  appId: string | null,
  convert: (notes: string[]) => AppManifest,
): { app: ImportedApp } | { skipped: SkippedApp } {
  const notes: string[] = [];
  let candidate: AppManifest;
  try {
    candidate = convert(notes);
  } catch (error) {
    const reason =
      error instanceof Unrepresentable
        ? error.message
        : `could not be read: ${error instanceof Error ? error.message : String(error)}`;
    return { skipped: { path, app_id: appId, reason } };
  }
  candidate.source = { ...candidate.source, path, format };
  const result = validateManifest(candidate);
  if (!result.valid) {
    return {
      skipped: {
        path,
        app_id: appId,
        reason: `the converted manifest is invalid: ${describeProblems(result.problems, 3)}`,
      },
    };
  }
  return { app: { path, manifest: result.manifest, notes } };
}

/** Collects the outcomes of importOne into an ImportResult. */
export function collect(
  format: SourceFormat,
  outcomes: ReturnType<typeof importOne>[],
): ImportResult {
  const result: ImportResult = { format, apps: [], skipped: [] };
  for (const outcome of outcomes) {
    if ('app' in outcome) result.apps.push(outcome.app);
    else result.skipped.push(outcome.skipped);
  }
  return result;
}

/** A store id or name made into a manifest id (`org.icewhale.Gitea` → `org-icewhale-gitea`). */
export function toAppId(value: string): string {
  const id = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (id.length < 2) throw new Unrepresentable(`"${value}" cannot be made into an app id`);
  return id;
}
