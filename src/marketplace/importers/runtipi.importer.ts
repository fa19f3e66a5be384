import type { AppManifest, ManifestService } from '../manifest/manifest.types';
import { composeServices } from './compose';
import {
  type CatalogImporter,
  type CatalogTree,
  collect,
  importOne,
  type ImportResult,
  Unrepresentable,
} from './importer';
import {
  appIdOf,
  architecturesOf as knownArchitectures,
  type Category,
  compact,
  descriptionOf as clipDescription,
  documentValue,
  isObj,
  linksOf,
  type Obj,
  publishPort,
  readStoreDocument,
  tagsOf,
  textOf,
} from './importer-support';
import { fromDynamicCompose, fromNativeCompose, type RuntipiCompose } from './runtipi-compose';
import { RuntipiVariables } from './runtipi-variables';

const CONFIG_FILE = /^apps\/([^/]+)\/config\.json$/;

/** Runtipi's categories (app-info-schema.json) onto the manifest's; `featured` is no category. */
const CATEGORIES: Record<string, Category | null> = {
  network: 'networking',
  media: 'media',
  development: 'development',
  automation: 'automation',
  social: 'other',
  utilities: 'utility',
  photography: 'media',
  security: 'security',
  featured: null,
  books: 'media',
  data: 'storage',
  music: 'media',
  finance: 'productivity',
  gaming: 'other',
  ai: 'other',
};

const MAX_DESCRIPTION = 4096;

/** Architectures Runtipi builds for (`supported_architectures` enum). */
const RUNTIPI_ARCHITECTURES = ['arm64', 'amd64'];

/**
 * The Runtipi app store (`runtipi/runtipi-appstore`): `apps/<id>/config.json` plus either the
 * dynamic `docker-compose.json` or a native `docker-compose.yml` with `x-runtipi` (FORMATS.md §2).
 */
export class RuntipiImporter implements CatalogImporter {
  readonly format = 'runtipi' as const;

  detect(tree: CatalogTree): boolean {
    return tree.files().some((path) => CONFIG_FILE.test(path));
  }

  import(tree: CatalogTree): ImportResult {
    const files = new Set(tree.files());
    const folders = [...files].flatMap((path) => CONFIG_FILE.exec(path)?.slice(1, 2) ?? []);
    return collect(
      this.format,
      folders.map((folder) =>
        importOne(this.format, `apps/${folder}/config.json`, folder, (notes) =>
          convertApp(tree, files, folder, notes),
        ),
      ),
    );
  }
}

function convertApp(
  tree: CatalogTree,
  files: ReadonlySet<string>,
  folder: string,
  notes: string[],
): AppManifest {
  const dir = `apps/${folder}`;
  const config = readMap(tree, `${dir}/config.json`);
  if (config.available === false) {
    throw new Unrepresentable('the store marks it as unavailable (available: false)');
  }
  const storeId = textOf(config.id) ?? folder;
  const port =
    typeof config.port === 'number' &&
    Number.isInteger(config.port) &&
    config.port >= 1 &&
    config.port <= 65535
      ? config.port
      : undefined;
  const variables = new RuntipiVariables(config, port, notes);
  const source = composeSource(tree, files, dir, variables, notes);
  const services = composeServices(
    source.compose,
    { substitute: variables.substitute, hostPath: variables.hostPath, notes },
    source.main,
  );
  publishMainPort(services, source, port, config, notes);
  if (config.force_pull === true) for (const service of services) service.pull = 'always';
  otherNotes(config, notes);

  const storeCategories = Array.isArray(config.categories) ? config.categories.map(String) : [];
  const architectures = architecturesOf(config, source.overridden, notes);
  const inputs = variables.inputs();
  notes.splice(0, notes.length, ...new Set(notes));
  return compact({
    manifest_version: 1,
    id: appIdOf(storeId),
    name: (textOf(config.name) ?? storeId).slice(0, 128),
    version: (textOf(config.version) ?? textOf(config.tipi_version) ?? 'latest').slice(0, 64),
    description: descriptionOf(tree, files, dir, config, notes),
    category: categoryOf(storeCategories),
    tags: tagsOf(storeCategories.filter((value) => value !== 'featured')),
    links: linksOf({ website: config.website, repository: config.source }),
    admin_only: false,
    requirements: architectures ? { architectures } : undefined,
    inputs: inputs.length > 0 ? inputs : undefined,
    services,
  });
}

/** FORMATS.md §2: docker-compose.json wins; otherwise docker-compose.yml must carry x-runtipi. */
function composeSource(
  tree: CatalogTree,
  files: ReadonlySet<string>,
  dir: string,
  variables: RuntipiVariables,
  notes: string[],
): RuntipiCompose {
  if (files.has(`${dir}/docker-compose.json`)) {
    const document = documentValue(readStoreDocument(tree, `${dir}/docker-compose.json`));
    return fromDynamicCompose(document, variables, notes);
  }
  if (!files.has(`${dir}/docker-compose.yml`)) {
    throw new Unrepresentable('has neither docker-compose.json nor docker-compose.yml');
  }
  const document = readMap(tree, `${dir}/docker-compose.yml`);
  if (document['x-runtipi'] === undefined) {
    throw new Unrepresentable(
      "has only a legacy docker-compose.yml (no docker-compose.json, no x-runtipi block), which depends on Runtipi's Traefik setup",
    );
  }
  return fromNativeCompose(document);
}

/** Runtipi publishes `config.port` (host) → the main service's internal port (container). */
function publishMainPort(
  services: ManifestService[],
  source: RuntipiCompose,
  port: number | undefined,
  config: Obj,
  notes: string[],
): void {
  const main = services.find((service) => service.main);
  if (!main || source.internalPort === undefined) {
    if (config.no_gui !== true) notes.push('the store names no web UI port; no port is main');
    return;
  }
  if (port === undefined) notes.push('config.json has no port; the web UI port is not published');
  publishPort(main, source.internalPort, port ?? null, true);
}

function otherNotes(config: Obj, notes: string[]): void {
  const suffix = textOf(config.url_suffix);
  if (suffix) notes.push(`Runtipi opens the app at the path ${suffix}`);
  if (config.deprecated === true) notes.push('the store marks the app as deprecated');
  if (typeof config.uid === 'number' || typeof config.gid === 'number') {
    notes.push(
      `Runtipi gives the data directory to ${textOf(config.uid) ?? ''}:${textOf(config.gid) ?? ''}; Tomo does not change its owner`,
    );
  }
}

/** `metadata/description.md` (long, markdown), else config.json's description or short_desc. */
function descriptionOf(
  tree: CatalogTree,
  files: ReadonlySet<string>,
  dir: string,
  config: Obj,
  notes: string[],
): string | undefined {
  const path = `${dir}/metadata/description.md`;
  const long = files.has(path) ? textOf(tree.read(path)) : undefined;
  if (long) return clipMarkdown(long, notes);
  return clipDescription(textOf(config.description) ?? textOf(config.short_desc), notes);
}

/**
 * Markdown cut to the manifest's limit at a paragraph break, never inside a code block, so what
 * is kept still renders; "…" says it goes on.
 */
function clipMarkdown(markdown: string, notes: string[]): string {
  if (markdown.length <= MAX_DESCRIPTION) return markdown;
  let kept = markdown.slice(0, MAX_DESCRIPTION - 3);
  const paragraph = kept.lastIndexOf('\n\n');
  if (paragraph >= MAX_DESCRIPTION / 2) kept = kept.slice(0, paragraph);
  if ((kept.match(/^\s*```/gm)?.length ?? 0) % 2 === 1)
    kept = kept.slice(0, kept.lastIndexOf('```'));
  kept = `${kept.trimEnd()}\n\n…`;
  notes.push(`the description is cut from ${markdown.length} to ${kept.length} characters`);
  return kept;
}

/** The first store category with a specific counterpart, else `other` when there is one. */
function categoryOf(categories: string[]): Category | undefined {
  const mapped = categories.flatMap((category) => CATEGORIES[category] ?? []);
  return mapped.find((category) => category !== 'other') ?? mapped[0];
}

/** supported_architectures, less those the store patches with `overrides` (other images). */
function architecturesOf(
  config: Obj,
  overridden: string[],
  notes: string[],
): NonNullable<AppManifest['requirements']>['architectures'] {
  const declared = knownArchitectures(
    config.supported_architectures ?? (overridden.length > 0 ? RUNTIPI_ARCHITECTURES : undefined),
    notes,
  );
  if (!declared) return undefined;
  const kept = declared.filter((architecture) => !overridden.includes(architecture));
  const dropped = declared.filter((architecture) => overridden.includes(architecture));
  if (dropped.length > 0) {
    notes.push(
      `on ${dropped.join(', ')} the store swaps in other service settings (overrides), which a manifest cannot vary by architecture; ${dropped.join(', ')} is left out of the architectures`,
    );
  }
  if (kept.length === 0) {
    throw new Unrepresentable(
      'runs only on architectures for which the store swaps in other settings (overrides)',
    );
  }
  return kept;
}

/** A store file that must hold a map. */
function readMap(tree: CatalogTree, path: string): Obj {
  const value = documentValue(readStoreDocument(tree, path));
  if (!isObj(value)) throw new Unrepresentable(`${path} does not hold a map of settings`);
  return value;
}
