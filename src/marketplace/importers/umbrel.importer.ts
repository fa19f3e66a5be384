import type { AppManifest, ManifestInput } from '../manifest/manifest.types';
import { composeServices, defaultHostPath, serviceNameOf } from './compose';
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
  type Category,
  compact,
  descriptionOf,
  documentValue,
  httpsUrl,
  InputSet,
  inputNameOf,
  interpolate,
  isObj,
  linksOf,
  type Obj,
  ownValue,
  type VariableLookup,
  readStoreDocument,
  requirePinnedImages,
  requirementsOf,
  publishPort,
  tagsOf,
  textOf,
} from './importer-support';

/** `<app-id>/umbrel-app.yml` beside `<app-id>/docker-compose.yml`. */
const APP_FILE = /^([^/]+)\/umbrel-app\.yml$/;

/** The linter's categories on the manifest's 10. */
const CATEGORIES: Record<string, Category> = {
  ai: 'productivity',
  automation: 'automation',
  bitcoin: 'other',
  crypto: 'other',
  developer: 'development',
  files: 'storage',
  finance: 'productivity',
  media: 'media',
  networking: 'networking',
  social: 'other',
};

const HOST_NAME_VARIABLES = new Set(['APP_DOMAIN', 'DEVICE_DOMAIN_NAME', 'DEVICE_HOSTNAME']);

/** getumbrel/umbrel-apps and community stores: an app manifest plus a patched compose file. */
export class UmbrelImporter implements CatalogImporter {
  readonly format = 'umbrel';

  detect(tree: CatalogTree): boolean {
    return tree.files().some((path) => APP_FILE.test(path));
  }

  import(tree: CatalogTree): ImportResult {
    const outcomes = tree
      .files()
      .filter((path) => APP_FILE.test(path))
      .map((path) => {
        const folder = path.split('/')[0]!;
        const app = readStoreDocument(tree, path);
        const storeId = (app.ok && isObj(app.value) ? textOf(app.value.id) : undefined) ?? folder;
        return importOne(this.format, path, storeId, (notes) => {
          const compose = readStoreDocument(tree, `${folder}/docker-compose.yml`);
          return convert(documentValue(app), documentValue(compose), notes);
        });
      });
    return collect(this.format, outcomes);
  }
}

function convert(app: unknown, compose: unknown, notes: string[]): AppManifest {
  if (!isObj(app)) throw new Unrepresentable('umbrel-app.yml is not a map');
  const storeId = textOf(app.id);
  const version = textOf(app.version);
  if (!storeId) throw new Unrepresentable('umbrel-app.yml has no id');
  if (!version) throw new Unrepresentable('umbrel-app.yml has no version');
  if (app.disabled === true) {
    throw new Unrepresentable('is disabled in the store (disabled: true): it cannot be installed');
  }
  const dependencies = Array.isArray(app.dependencies) ? app.dependencies.map(String) : [];
  if (dependencies.length > 0) {
    throw new Unrepresentable(
      `needs the Umbrel app${dependencies.length > 1 ? 's' : ''} ${dependencies.join(', ')} (dependencies), which Tomo does not provide`,
    );
  }
  if (!isObj(compose) || !isObj(compose.services)) {
    throw new Unrepresentable('the compose file has no services');
  }
  const { app_proxy: proxy, ...services } = compose.services;
  const main = mainServiceOf(storeId, proxy, services, notes);

  /** `<app-id>_<service>_1` is how umbrelOS names containers; services here go by their name. */
  const containerNames = Object.keys(services).map((name) => {
    const container = `${storeId}_${name}_1`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return [new RegExp(`(?<![\\w.-])${container}(?![\\w.-])`, 'g'), serviceNameOf(name)] as const;
  });
  let renamed = false;
  const renameContainers = (value: string) => {
    const text = containerNames.reduce((out, [from, to]) => out.replace(from, to), value);
    renamed ||= text !== value;
    return text;
  };
  const inputs = new InputSet();
  const lookup = umbrelVariables(version, app, inputs);
  const converted = composeServices(
    { ...compose, services },
    {
      substitute: (value) => interpolate(renameContainers(value), lookup),
      hostPath: (source) => (source.startsWith('${app_data}') ? defaultHostPath(source) : null),
      notes,
    },
    main?.service,
  );
  requirePinnedImages(converted);
  if (renamed) {
    notes.push(`container names such as ${storeId}_<service>_1 are replaced by the service names`);
  }
  if (main) {
    const service = converted.find((candidate) => candidate.main);
    const host = typeof app.port === 'number' ? app.port : null;
    if (service) publishPort(service, main.port, host, true);
  }
  noteUmbrelOnly(app, proxy, notes);

  const storeCategory = textOf(app.category) ?? '';
  const category = ownValue(CATEGORIES, storeCategory.toLowerCase());
  if (!category) notes.push(`the store category "${storeCategory}" becomes "other"`);
  return compact({
    manifest_version: 1,
    id: appIdOf(storeId),
    name: textOf(app.name) ?? storeId,
    version,
    description: descriptionOf(textOf(app.description) ?? textOf(app.tagline), notes),
    category: category ?? 'other',
    tags: tagsOf([storeCategory]),
    icon: httpsUrl(app.icon),
    links: linksOf({ website: app.website, repository: app.repo }),
    admin_only: false,
    requirements: requirementsOf(compose),
    inputs: inputs.list(),
    services: converted,
  });
}

/**
 * The service users open and its container port, from `app_proxy`'s APP_HOST (a container name
 * `<app-id>_<service>_1`, or an address variable that one service pins with `ipv4_address`) and
 * APP_PORT. Without app_proxy the app uses the host network, which composeServices refuses.
 */
function mainServiceOf(
  storeId: string,
  proxy: unknown,
  services: Obj,
  notes: string[],
): { service: string; port: number } | undefined {
  if (proxy === undefined) {
    notes.push('there is no app_proxy service: the app has no web UI the store opens');
    return undefined;
  }
  const env = proxyEnvironment(proxy);
  const host = textOf(env.APP_HOST) ?? '';
  const port = textOf(env.APP_PORT) ?? '';
  const variable = variableOf(host);
  const prefix = `${storeId}_`;
  const service = variable
    ? Object.keys(services).find((name) => variableOf(pinnedAddressOf(services[name])) === variable)
    : host.startsWith(prefix) && host.endsWith('_1')
      ? host.slice(prefix.length, -2)
      : undefined;
  if (!service || !Object.hasOwn(services, service)) {
    throw new Unrepresentable(`app_proxy points at "${host}", which is none of the app's services`);
  }
  if (!/^\d+$/.test(port)) {
    throw new Unrepresentable(
      `the web UI port comes from ${port || 'nowhere'} (app_proxy APP_PORT), which an exports.sh script defines; scripts are not part of the store data`,
    );
  }
  return { service, port: Number(port) };
}

function proxyEnvironment(proxy: unknown): Obj {
  const environment = isObj(proxy) ? proxy.environment : undefined;
  if (isObj(environment)) return environment;
  if (!Array.isArray(environment)) return {};
  return Object.fromEntries(
    environment.map((entry) => {
      const text = String(entry);
      const at = text.indexOf('=');
      return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
    }),
  );
}

/** `networks: {default: {ipv4_address: $APP_X_IP}}` → `$APP_X_IP`. */
function pinnedAddressOf(service: unknown): string | undefined {
  const networks = isObj(service) ? service.networks : undefined;
  const network = isObj(networks) ? networks.default : undefined;
  return isObj(network) ? textOf(network.ipv4_address) : undefined;
}

/** `$NAME` or `${NAME}` → `NAME`; anything else → undefined. */
function variableOf(value: string | undefined): string | undefined {
  return /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value ?? '')?.[1];
}

/** Umbrel's variables: the app's directory, its generated secrets, the device's name. */
function umbrelVariables(version: string, app: Obj, inputs: InputSet): VariableLookup {
  const user = textOf(app.defaultUsername);
  const password: ManifestInput = {
    name: 'APP_PASSWORD',
    label: 'App password',
    type: 'password',
    default: '${password:32}',
    description:
      app.deterministicPassword === true
        ? `The password to log in with${user ? ` as ${user}` : ''} (Umbrel generated it per app).`
        : 'A secret the app is set up with (Umbrel generated it per app).',
  };
  const resolve = (name: string, fallback: string | undefined): string => {
    switch (name) {
      case 'APP_DATA_DIR':
        return '${app_data}';
      case 'APP_ID':
        return '${app_id}';
      case 'APP_VERSION':
        return version;
      case 'APP_PASSWORD':
        return inputs.ref(password);
      case 'APP_SEED':
        return inputs.ref({
          name: 'APP_SEED',
          label: 'App secret seed',
          type: 'password',
          default: '${hex:64}',
          description: 'A random secret the app derives its keys from (Umbrel generated it).',
        });
      case 'UMBREL_ROOT':
        throw new Unrepresentable(
          "uses ${UMBREL_ROOT}: Umbrel's shared storage or another app's data, outside the app's data directory",
        );
      case 'NETWORK_IP':
        throw new Unrepresentable("uses ${NETWORK_IP}, the address of Umbrel's internal network");
    }
    if (HOST_NAME_VARIABLES.has(name)) {
      return inputs.ref({
        name,
        label: 'Host name',
        type: 'text',
        required: true,
        description: `The name users reach this server by (Umbrel filled in \${${name}} itself).`,
      });
    }
    if (/^TOR_|HIDDEN_SERVICE$/.test(name)) {
      throw new Unrepresentable(`uses Umbrel's Tor service (\${${name}})`);
    }
    if (/^APP_PROXY_/.test(name))
      throw new Unrepresentable(`uses Umbrel's app proxy (\${${name}})`);
    if (fallback !== undefined) {
      if (fallback.includes('${')) return fallback;
      return inputs.ref({
        name: inputNameOf(name),
        label: name,
        type: 'text',
        default: fallback,
        description: `Umbrel sets \${${name}} in a script; this is the compose file's default.`,
      });
    }
    throw new Unrepresentable(
      /^APP_[A-Z0-9]+_/.test(name)
        ? `uses \${${name}}, which an exports.sh script defines; scripts are not part of the store data`
        : `uses \${${name}}, which umbrelOS sets and Tomo does not know`,
    );
  };
  return resolve;
}

/** What Umbrel adds around the app that a Tomo install does not. */
function noteUmbrelOnly(app: Obj, proxy: unknown, notes: string[]) {
  const env = proxy === undefined ? {} : proxyEnvironment(proxy);
  if (proxy !== undefined && textOf(env.PROXY_AUTH_ADD) !== 'false') {
    notes.push(
      "Umbrel puts its own login in front of the app (app_proxy); Tomo publishes the app's port as it is",
    );
  }
  if (app.torOnly === true) notes.push('Umbrel offers the app over Tor only (torOnly)');
  const path = textOf(app.path);
  if (path && path !== '/') notes.push(`the store opens the app at the path ${path}`);
  const permissions = Array.isArray(app.permissions) ? app.permissions.map(String) : [];
  if (permissions.length > 0) {
    notes.push(`the Umbrel permissions ${permissions.join(', ')} are not granted`);
  }
  if (Array.isArray(app.widgets) && app.widgets.length > 0) {
    notes.push('the dashboard widgets are left out');
  }
}
