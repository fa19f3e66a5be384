import type { AppManifest, ManifestInput } from '../manifest/manifest.types';
import { composeServices, defaultHostPath } from './compose';
import {
  type CatalogImporter,
  type CatalogTree,
  collect,
  type ImportResult,
  importOne,
  Unrepresentable,
} from './importer';
import {
  appIdOf,
  architecturesOf,
  type Category,
  compact,
  descriptionOf,
  httpsUrl,
  documentValue,
  InputSet,
  inputNameOf,
  interpolate,
  isObj,
  linksOf,
  ownValue,
  readStoreDocument,
  requirePinnedImages,
  requirementsOf,
  tagsOf,
  textOf,
} from './importer-support';

/** `Apps/<Folder>/docker-compose.yml`: one app, its store metadata in the top-level `x-casaos`. */
const APP_FILE = /^Apps\/[^/]+\/docker-compose\.ya?ml$/;

/** The store's 9 categories (category-list.json) on the manifest's 10. */
const CATEGORIES: Record<string, Category> = {
  media: 'media',
  productivity: 'productivity',
  home: 'automation',
  networking: 'networking',
  ai: 'productivity',
  finance: 'productivity',
  social: 'other',
  developer: 'development',
  others: 'other',
};

/** What CasaOS fills in for every app: the user, group and time zone of the system. */
const SYSTEM_INPUTS: Record<string, ManifestInput> = {
  TZ: {
    name: 'TZ',
    label: 'Time zone',
    type: 'text',
    default: 'UTC',
    description: 'An IANA time zone such as Europe/Paris (CasaOS used the system time zone).',
  },
  PUID: {
    name: 'PUID',
    label: 'User id',
    type: 'number',
    default: 1000,
    description: 'The user id the app runs as and writes its files with.',
  },
  PGID: {
    name: 'PGID',
    label: 'Group id',
    type: 'number',
    default: 1000,
    description: 'The group id the app runs as and writes its files with.',
  },
};

/** IceWhaleTech/CasaOS-AppStore (and stores in its format): Compose files with `x-casaos`. */
export class CasaosImporter implements CatalogImporter {
  readonly format = 'casaos';

  detect(tree: CatalogTree): boolean {
    return tree.files().some((path) => APP_FILE.test(path));
  }

  import(tree: CatalogTree): ImportResult {
    const outcomes = tree
      .files()
      .filter((path) => APP_FILE.test(path))
      .map((path) => {
        const document = readStoreDocument(tree, path);
        const meta = document.ok && isObj(document.value) ? document.value['x-casaos'] : null;
        const storeId = isObj(meta) ? (textOf(meta.id) ?? null) : null;
        return importOne(this.format, path, storeId, (notes) =>
          convert(documentValue(document), notes),
        );
      });
    return collect(this.format, outcomes);
  }
}

function convert(compose: unknown, notes: string[]): AppManifest {
  if (!isObj(compose) || !isObj(compose['x-casaos'])) {
    throw new Unrepresentable('the compose file has no x-casaos block (the store metadata)');
  }
  const meta = compose['x-casaos'];
  const storeId = textOf(meta.id);
  if (!storeId) throw new Unrepresentable('x-casaos.id is missing');
  const version = textOf(meta.version);
  if (!version) throw new Unrepresentable('x-casaos.version is missing');
  const project = textOf(compose.name);
  const inputs = new InputSet();

  const lookup = (name: string, fallback: string | undefined): string => {
    if (name === 'AppID') return '${app_id}';
    const system = ownValue(SYSTEM_INPUTS, name);
    if (system) return inputs.ref(system);
    if (fallback?.includes('${')) return fallback;
    return inputs.ref({
      name: inputNameOf(name),
      label: name,
      type: 'text',
      ...(fallback === undefined ? { required: true } : { default: fallback }),
      description: `The store leaves \${${name}} for the user to fill in.`,
    });
  };
  /** `/DATA/AppData/$AppID/…` (or the project's own folder) is the app's data directory. */
  const hostPath = (source: string): string | null => {
    const match = /^\/DATA\/AppData\/([^/]+)(\/.*)?$/.exec(source);
    if (!match) return defaultHostPath(source);
    const [, folder = '', rest = ''] = match;
    const below = rest.replace(/\/+$/, '');
    if (folder === '${app_id}' || folder === project) return `\${app_data}${below}`;
    notes.push(
      `${source} is another app's folder in CasaOS; here it is kept in this app's data directory`,
    );
    return `\${app_data}/${folder}${below}`;
  };

  const serviceNames = isObj(compose.services) ? Object.keys(compose.services) : [];
  let main = textOf(meta.main);
  if (!main && serviceNames.length > 1) {
    notes.push('the store names no main service (x-casaos.main); the first service is main');
  }
  main ??= serviceNames[0];
  const services = composeServices(
    compose,
    { substitute: (value) => interpolate(value, lookup), hostPath, notes },
    main,
  );
  requirePinnedImages(services);

  const portMap = Number(textOf(meta.port_map));
  const mainService = services.find((service) => service.main) ?? services[0];
  const uiPort = mainService?.ports?.find((port) => port.host === portMap);
  if (uiPort) uiPort.main = true;
  else if (textOf(meta.port_map)) {
    notes.push(`the web UI port ${textOf(meta.port_map)} (x-casaos.port_map) is not published`);
  }
  const index = textOf(meta.index);
  if (index && index !== '/') notes.push(`the store opens the app at the path ${index}`);

  const storeCategory = textOf(meta.category) ?? '';
  const category = ownValue(CATEGORIES, storeCategory.toLowerCase());
  if (!category) notes.push(`the store category "${storeCategory}" becomes "other"`);
  const architectures = architecturesOf(meta.architectures, notes);
  return compact({
    manifest_version: 1,
    id: appIdOf(storeId),
    name: localized(meta.title) ?? project ?? storeId,
    version,
    description: descriptionOf(localized(meta.description) ?? localized(meta.tagline), notes),
    category: category ?? 'other',
    tags: tagsOf([storeCategory]),
    icon: httpsUrl(meta.icon),
    links: linksOf({ website: meta.website, repository: meta.repo, documentation: meta.docs }),
    admin_only: false,
    requirements: requirementsOf(compose, architectures),
    inputs: inputs.list(),
    services,
  });
}

/** The English text of a locale map (`{en_US: …, zh_CN: …}`), or a plain string. */
function localized(value: unknown): string | undefined {
  if (!isObj(value)) return textOf(value);
  return (
    textOf(value.en_US) ??
    textOf(value.en_GB) ??
    textOf(value.en_UK) ??
    Object.values(value).map(textOf).find(Boolean)
  );
}
