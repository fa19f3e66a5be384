import { parseImageReference } from '../manifest/image-reference';
import { ALLOWED_CAPABILITIES, CATEGORIES } from '../manifest/manifest.schema';
import type {
  AppManifest,
  ManifestInput,
  ManifestPort,
  ManifestService,
  ManifestVolume,
} from '../manifest/manifest.types';
import { splitCommand } from './compose';
import {
  type CatalogImporter,
  type CatalogTree,
  collect,
  importOne,
  type ImportResult,
  toAppId,
  Unrepresentable,
} from './importer';
import {
  appIdOf,
  compact,
  descriptionOf,
  documentValue,
  httpsUrl,
  inputNameOf,
  isObj,
  linksOf,
  type Obj,
  readStoreDocument,
  requirePinnedImages,
  tagsOf,
  textOf,
} from './importer-support';

/** How Tomo's old git sync found apps: `apps/**\/app.yaml|app.yml`, and a root `app.yaml`. */
const APP_FILE = /^(apps\/.+\/)?app\.ya?ml$/;

const ARCHITECTURES: Record<string, 'amd64' | 'arm64' | 'arm'> = {
  amd64: 'amd64',
  arm64: 'arm64',
  'arm/v7': 'arm',
};

const SIZE_UNITS_MB: Record<string, number> = { MB: 1, GB: 1024, TB: 1024 * 1024 };

/** A legacy app.yaml has a `docker:` block and no `manifest_version` (that is the new format). */
function isLegacyApp(content: string | undefined): boolean {
  return (
    content !== undefined &&
    /^docker\s*:/m.test(content) &&
    !/^\s*["']?manifest_version["']?\s*:/m.test(content)
  );
}

/**
 * The earlier Tomo marketplace (`cbabil/tomo-marketplace`): one single-container `app.yaml` per
 * app under `apps/<category>/<id>/`, validated upstream by `schemas/app.schema.json`.
 */
export class TomoLegacyImporter implements CatalogImporter {
  readonly format = 'tomo-legacy' as const;

  detect(tree: CatalogTree): boolean {
    const first = tree.files().find((path) => APP_FILE.test(path));
    return first !== undefined && isLegacyApp(tree.read(first));
  }

  import(tree: CatalogTree): ImportResult {
    const paths = tree
      .files()
      .filter((path) => APP_FILE.test(path) && isLegacyApp(tree.read(path)));
    return collect(
      this.format,
      paths.map((path) =>
        importOne(this.format, path, storeIdOf(tree, path), (notes) =>
          convertApp(readMap(tree, path), notes),
        ),
      ),
    );
  }
}

/** The app's `id:` for a skip report, read without trusting the rest of the file. */
function storeIdOf(tree: CatalogTree, path: string): string | null {
  const id = /^id\s*:\s*["']?([^"'\s#]+)/m.exec(tree.read(path) ?? '')?.[1];
  return id ?? path.split('/').at(-2) ?? null;
}

function convertApp(app: Obj, notes: string[]): AppManifest {
  const storeId = textOf(app.id);
  if (!storeId) throw new Unrepresentable('has no id');
  const docker = app.docker;
  if (!isObj(docker)) throw new Unrepresentable('has no docker block');
  const { env, inputs } = environmentOf(docker.environment, notes);
  const service = serviceOf(storeId, docker, env, app.healthcheck, notes);
  const requirements = requirementsOf(app.requirements, notes);
  if (app.deprecated === true) notes.push('the store marks the app as deprecated');
  const category = textOf(app.category);
  return compact({
    manifest_version: 1,
    id: appIdOf(storeId),
    name: (textOf(app.name) ?? storeId).slice(0, 128),
    version: versionOf(storeId, app, service.image, notes),
    description: descriptionOf(app.description, notes),
    category: (CATEGORIES as readonly string[]).includes(category ?? '')
      ? (category as AppManifest['category'])
      : 'other',
    tags: tagsOf(Array.isArray(app.tags) ? app.tags : []),
    icon: httpsUrl(app.icon),
    links: linksOf({ repository: app.repository, documentation: app.documentation }),
    admin_only: false,
    requirements,
    inputs: inputs.length > 0 ? inputs : undefined,
    services: [service],
  });
}

/**
 * `version` is the package's own revision (1.1.0); users know the app by its image tag
 * (uptime-kuma 1.23.16). The tag is taken when the image is the app's own (named like the id).
 */
function versionOf(storeId: string, app: Obj, image: string, notes: string[]): string {
  const packageVersion = textOf(app.version);
  const reference = parseImageReference(image);
  const imageName = reference?.name.split('/').at(-1);
  if (reference?.tag && imageName === storeId) {
    if (packageVersion && packageVersion !== reference.tag) {
      notes.push(
        `version ${reference.tag} is the image's tag; the store's package version is ${packageVersion}`,
      );
    }
    return reference.tag;
  }
  return (packageVersion ?? reference?.tag ?? '1').slice(0, 64);
}

function serviceOf(
  storeId: string,
  docker: Obj,
  env: Record<string, string>,
  healthcheck: unknown,
  notes: string[],
): ManifestService {
  if (typeof docker.image !== 'string') throw new Unrepresentable('docker.image is missing');
  requirePinnedImages([{ name: storeId, image: docker.image }]);
  if (docker.privileged === true) throw new Unrepresentable('runs a privileged container');
  const service: ManifestService = {
    name: toAppId(storeId),
    image: docker.image,
  };
  if (typeof docker.command === 'string' && docker.command.trim() !== '') {
    service.command = splitCommand(docker.command);
  }
  if (Object.keys(env).length > 0) service.env = env;
  const ports = portsOf(docker.ports, healthcheck);
  if (ports.length > 0) service.ports = ports;
  const volumes = volumesOf(docker.volumes, notes);
  if (volumes.length > 0) service.volumes = volumes;
  const restart = textOf(docker.restart);
  service.restart =
    restart === 'no' || restart === 'always' || restart === 'on-failure'
      ? restart
      : 'unless-stopped';
  const capabilities = capabilitiesOf(docker.capabilities);
  if (capabilities.length > 0) service.capabilities = capabilities;
  if (Array.isArray(docker.networks) && docker.networks.length > 0) {
    notes.push(
      `the networks ${docker.networks.join(', ')} are left out (Tomo gives each app its own)`,
    );
  }
  if (isObj(healthcheck)) {
    notes.push(
      `the store's ${textOf(healthcheck.protocol) ?? 'http'} health check of ${textOf(healthcheck.endpoint) ?? '/'} on port ${textOf(healthcheck.port) ?? '?'} is left out: it was probed from outside, and a manifest health check runs inside the container, whose image may lack curl or wget`,
    );
  }
  service.main = true;
  return service;
}

/**
 * `ports[]` as given; the main one is the port the store's health check probes (a host port),
 * else the first that reads like a web UI, else the first TCP port.
 */
function portsOf(value: unknown, healthcheck: unknown): ManifestPort[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Unrepresentable('docker.ports is not a list');
  const described: { port: ManifestPort; description: string }[] = value.map((raw, index) => {
    if (!isObj(raw) || typeof raw.container !== 'number') {
      throw new Unrepresentable(`docker.ports[${index}] has no container port`);
    }
    return {
      port: {
        container: raw.container,
        host: typeof raw.host === 'number' ? raw.host : null,
        protocol: raw.protocol === 'udp' ? 'udp' : 'tcp',
      },
      description: textOf(raw.description) ?? '',
    };
  });
  const probed = isObj(healthcheck) ? healthcheck.port : undefined;
  const tcp = described.filter(({ port }) => port.protocol === 'tcp');
  const main =
    tcp.find(({ port }) => port.host === probed) ??
    tcp.find(({ description }) => /web|ui\b|dashboard|http/i.test(description)) ??
    tcp[0];
  if (main) main.port.main = true;
  return described.map(({ port }) => port);
}

/**
 * `./rel` binds go under `${app_data}`; `${VAR}…` (a path the old Tomo asked for) becomes a folder
 * named after the variable under `${app_data}`; any other absolute path is outside the data root.
 */
function volumesOf(value: unknown, notes: string[]): ManifestVolume[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Unrepresentable('docker.volumes is not a list');
  return value.map((raw, index) => {
    if (!isObj(raw) || typeof raw.container !== 'string' || typeof raw.host !== 'string') {
      throw new Unrepresentable(`docker.volumes[${index}] needs a container and a host path`);
    }
    const volume: ManifestVolume = { host: hostPathOf(raw.host, notes), container: raw.container };
    if (raw.mode === 'ro') volume.mode = 'ro';
    return volume;
  });
}

function hostPathOf(host: string, notes: string[]): string {
  if (/docker\.sock$|^\/var\/run\/docker|^\/run\/docker/.test(host)) {
    throw new Unrepresentable(
      `needs the Docker socket (${host}), which gives full control of the host`,
    );
  }
  const variable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}(.*)$/.exec(host);
  let path: string;
  if (variable) {
    const folder = variable[1]!.toLowerCase().replace(/_/g, '-');
    path = `\${app_data}/${folder}${variable[2] ?? ''}`;
    notes.push(
      `the host path ${host} (a setting in the old Tomo) becomes ${path}; change it with config.volumes`,
    );
  } else if (host === '.' || host === './') {
    path = '${app_data}';
  } else if (host.startsWith('./')) {
    path = `\${app_data}/${host.slice(2)}`;
  } else {
    throw new Unrepresentable(`mounts the host path ${host}, outside the app's data directory`);
  }
  path = path.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  if (path.split('/').includes('..')) {
    throw new Unrepresentable(`the host path ${host} leaves the app's data directory`);
  }
  return path;
}

function capabilitiesOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Unrepresentable('docker.capabilities is not a list');
  const allowed = new Set<string>(ALLOWED_CAPABILITIES);
  return value.map((raw) => {
    const capability = String(raw).toUpperCase();
    if (!allowed.has(capability)) throw new Unrepresentable(`needs the capability ${capability}`);
    return capability;
  });
}

/**
 * `environment[]`: a value is kept as is; an empty value becomes an input the installer asks
 * for (required when the store says so), so the service reads `${inputs.NAME}`.
 */
function environmentOf(
  value: unknown,
  notes: string[],
): { env: Record<string, string>; inputs: ManifestInput[] } {
  const env: Record<string, string> = {};
  const inputs: ManifestInput[] = [];
  if (value === undefined || value === null) return { env, inputs };
  if (!Array.isArray(value)) throw new Unrepresentable('docker.environment is not a list');
  value.forEach((raw, index) => {
    const name = isObj(raw) ? textOf(raw.name) : undefined;
    if (!isObj(raw) || !name) throw new Unrepresentable(`docker.environment[${index}] has no name`);
    const literal = typeof raw.value === 'string' ? raw.value : '';
    if (literal.includes('${')) {
      throw new Unrepresentable(
        `environment ${name} uses a placeholder, which the format does not define`,
      );
    }
    if (literal !== '') {
      env[name] = literal;
      return;
    }
    const description = textOf(raw.description);
    const input: ManifestInput = {
      name: inputNameOf(name),
      label: (description ?? name).slice(0, 128),
      type: textInputType(name),
      required: raw.required === true,
    };
    if (description && description.length > 128) input.description = description.slice(0, 1024);
    if (!input.required) notes.push(`${name} has no value in the store; it is an optional input`);
    inputs.push(input);
    env[name] = `\${inputs.${input.name}}`;
  });
  return { env, inputs };
}

/** `{memory: "512MB", cpu: "1", storage: "1GB", arch?}` → memory_mb, disk_mb, architectures. */
function requirementsOf(value: unknown, notes: string[]): AppManifest['requirements'] {
  if (!isObj(value)) return undefined;
  const megabytes = (size: unknown): number | undefined => {
    const match = /^(\d+(?:\.\d+)?)\s*(MB|GB|TB)$/i.exec(textOf(size) ?? '');
    return match
      ? Math.round(Number(match[1]) * SIZE_UNITS_MB[match[2]!.toUpperCase()]!)
      : undefined;
  };
  if (value.cpu !== undefined) {
    notes.push(
      `the store asks for ${textOf(value.cpu) ?? '?'} CPU core(s); a manifest has no CPU requirement`,
    );
  }
  const requirements: NonNullable<AppManifest['requirements']> = {};
  const memory = megabytes(value.memory);
  const disk = megabytes(value.storage);
  const architectures = new Set(
    (Array.isArray(value.arch) ? value.arch : []).flatMap(
      (arch) => ARCHITECTURES[textOf(arch) ?? ''] ?? [],
    ),
  );
  if (memory !== undefined) requirements.memory_mb = memory;
  if (disk !== undefined) requirements.disk_mb = disk;
  if (architectures.size > 0) requirements.architectures = [...architectures];
  return Object.keys(requirements).length > 0 ? requirements : undefined;
}

/** A store file that must hold a map. */
function readMap(tree: CatalogTree, path: string): Obj {
  const value = documentValue(readStoreDocument(tree, path));
  if (!isObj(value)) throw new Unrepresentable(`${path} does not hold a map of settings`);
  return value;
}

/** A free-text input's type, guessed from the variable's name (secrets are masked). */
function textInputType(name: string): ManifestInput['type'] {
  if (/PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY/i.test(name)) return 'password';
  if (/(^|_)URL$/i.test(name)) return 'url';
  return 'text';
}
