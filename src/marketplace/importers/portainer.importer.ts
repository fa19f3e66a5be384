import { parseImageReference } from '../manifest/image-reference';
import type { AppManifest, ManifestInput, ManifestService } from '../manifest/manifest.types';
import { composeServices } from './compose';
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
  type Category,
  compact,
  descriptionOf as clipDescription,
  documentValue,
  httpsUrl,
  inputNameOf,
  interpolate,
  isObj,
  type Obj,
  readStoreDocument,
  requirePinnedImages,
  tagsOf,
  textOf,
} from './importer-support';

const INDEX = 'templates.json';

/** Portainer's free-form categories onto the manifest's (first specific one wins). */
const CATEGORIES: Record<string, Category> = {
  automation: 'automation',
  cms: 'productivity',
  database: 'storage',
  development: 'development',
  'project-management': 'productivity',
  productivity: 'productivity',
  monitoring: 'monitoring',
  logging: 'monitoring',
  metrics: 'monitoring',
  networking: 'networking',
  network: 'networking',
  proxy: 'networking',
  webserver: 'networking',
  security: 'security',
  storage: 'storage',
  media: 'media',
  serverless: 'development',
  'continuous-integration': 'development',
  docker: 'utility',
  tools: 'utility',
};

/** The repository the official stack files live in; others are not part of the catalog. */
const OWN_REPOSITORY = /^https:\/\/github\.com\/portainer\/templates(\.git)?\/?$/i;

interface Template {
  entry: Obj;
  /** `templates[].id` (an integer in format v3) as text. */
  storeId: string;
  appId: string;
}

/**
 * Portainer app templates (`portainer/templates`, format v3): one `templates.json` whose entries
 * are containers (type 1) or stacks whose compose file lives in a repository (types 2 and 3).
 */
export class PortainerImporter implements CatalogImporter {
  readonly format = 'portainer' as const;

  detect(tree: CatalogTree): boolean {
    return tree.files().includes(INDEX) && /"templates"\s*:/.test(tree.read(INDEX) ?? '');
  }

  import(tree: CatalogTree): ImportResult {
    let entries: unknown[];
    try {
      const index = readMap(tree, INDEX);
      if (!Array.isArray(index.templates)) throw new Unrepresentable('has no templates list');
      entries = index.templates;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { format: this.format, apps: [], skipped: [{ path: INDEX, app_id: null, reason }] };
    }
    const templates = identify(entries);
    return collect(
      this.format,
      templates.map((template) =>
        importOne(this.format, INDEX, template.storeId, (notes) =>
          convertTemplate(tree, template, notes),
        ),
      ),
    );
  }
}

/**
 * App ids from titles (`Registry (cache)` → `registry-cache`); titles are not unique (two
 * "WordPress"), so a shared title gets the template id appended (`wordpress-43`).
 */
function identify(entries: unknown[]): Template[] {
  const slugs = entries.map((entry) => {
    const title = isObj(entry) ? textOf(entry.title) : undefined;
    try {
      return title ? toAppId(title) : undefined;
    } catch {
      return undefined;
    }
  });
  return entries.map((entry, index) => {
    const storeId = (isObj(entry) ? textOf(entry.id) : undefined) ?? `#${index}`;
    const slug = slugs[index];
    const shared = slug !== undefined && slugs.filter((other) => other === slug).length > 1;
    const appId =
      slug === undefined
        ? `portainer-${storeId.replace(/[^0-9a-z]/gi, '')}`
        : shared
          ? `${slug.slice(0, 50)}-${storeId}`
          : slug;
    return { entry: isObj(entry) ? entry : {}, storeId, appId: toAppId(appId) };
  });
}

function convertTemplate(tree: CatalogTree, template: Template, notes: string[]): AppManifest {
  const { entry } = template;
  if (entry.platform === 'windows') throw new Unrepresentable('is a Windows container template');
  // An unpinned image is the most common refusal: checked first, so it is the reason shown.
  if (entry.type === 1 && typeof entry.image === 'string') {
    requirePinnedImages([{ name: template.appId, image: entry.image }]);
  }
  const env = envOf(entry.env, notes);
  let services: ManifestService[];
  switch (entry.type) {
    case 1:
      services = containerServices(entry, template.appId, env, notes);
      break;
    case 2:
    case 3:
      services = stackServices(tree, entry, env, notes);
      break;
    default:
      throw new Unrepresentable(`has an unknown template type ${String(entry.type)}`);
  }
  const main = services.find((service) => service.main) ?? services[0];
  const categories = Array.isArray(entry.categories) ? entry.categories.map(String) : [];
  return compact({
    manifest_version: 1,
    id: template.appId,
    name: (textOf(entry.title) ?? template.appId).slice(0, 128),
    version: (main && imageVersion(main.image)) ?? '1',
    description: descriptionOf(entry, notes),
    category: categoryOf(categories),
    tags: tagsOf(categories),
    icon: httpsUrl(entry.logo),
    admin_only: entry.administrator_only === true,
    inputs: env.inputs.length > 0 ? env.inputs : undefined,
    services,
  });
}

/** The description, then the note (HTML) as plain text. */
function descriptionOf(entry: Obj, notes: string[]): string | undefined {
  const note = textOf(entry.note)
    ?.replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
  const value = [textOf(entry.description), note].filter(Boolean).join('\n\n');
  return clipDescription(value, notes);
}

function categoryOf(categories: string[]): Category | undefined {
  const mapped = categories.map((category) => CATEGORIES[category.toLowerCase()]);
  return (
    mapped.find((category) => category !== undefined) ?? (categories.length ? 'other' : undefined)
  );
}

interface TemplateEnv {
  inputs: ManifestInput[];
  /** Variable name → what it becomes in the manifest (`${inputs.X}` or a preset literal). */
  values: Map<string, string>;
}

/** `env[]`: preset values stay literal, the others become inputs. */
function envOf(value: unknown, notes: string[]): TemplateEnv {
  const env: TemplateEnv = { inputs: [], values: new Map() };
  if (value === undefined || value === null) return env;
  if (!Array.isArray(value)) throw new Unrepresentable('env is not a list');
  value.forEach((raw, index) => {
    const name = isObj(raw) ? textOf(raw.name) : undefined;
    if (!isObj(raw) || !name) throw new Unrepresentable(`env[${index}] has no name`);
    if (raw.type === 'container') {
      throw new Unrepresentable(
        `asks the user to pick another container for ${name} (env type "container"), which a Tomo app cannot refer to`,
      );
    }
    const fallback = typeof raw.default === 'string' ? raw.default : undefined;
    if (raw.preset === true) {
      env.values.set(name, fallback ?? '');
      return;
    }
    const input: ManifestInput = {
      name: inputNameOf(name),
      label: (textOf(raw.label) ?? name).slice(0, 128),
      type: textInputType(name),
    };
    const options = Array.isArray(raw.select) ? raw.select.filter(isObj) : [];
    if (options.length > 0) {
      input.type = 'select';
      input.options = options.map((option) => textOf(option.value) ?? '');
      const chosen = options.find((option) => option.default === true);
      if (chosen) input.default = textOf(chosen.value) ?? '';
      const labels = options.map(
        (option) => `${textOf(option.value) ?? ''} = ${textOf(option.text) ?? ''}`,
      );
      notes.push(`${name}: the choices read ${labels.join('; ')}`);
    } else if (fallback !== undefined) {
      input.default = fallback;
    }
    input.required = input.default === undefined;
    const description = textOf(raw.description);
    if (description) input.description = description.slice(0, 1024);
    if (env.inputs.some((other) => other.name === input.name)) {
      throw new Unrepresentable(`env ${name} is declared twice`);
    }
    env.inputs.push(input);
    env.values.set(name, `\${inputs.${input.name}}`);
  });
  return env;
}

/** Type 1: one container, written as a one-service Compose document for composeServices. */
function containerServices(
  entry: Obj,
  appId: string,
  env: TemplateEnv,
  notes: string[],
): ManifestService[] {
  if (typeof entry.image !== 'string') throw new Unrepresentable('has no image');
  if (entry.interactive === true) {
    notes.push(
      'the template runs the container interactively (-i -t); Tomo does not attach a terminal',
    );
  }
  if (entry.hostname !== undefined) notes.push('the hostname setting is left out');
  const ports = Array.isArray(entry.ports) ? entry.ports.map(String) : [];
  const service: Obj = {
    image: entry.image,
    command: typeof entry.command === 'string' && entry.command !== '' ? entry.command : undefined,
    privileged: entry.privileged,
    environment: Object.fromEntries(env.values),
    ports,
    volumes: volumesOf(entry.volumes),
    restart: entry.restart_policy,
    network_mode: entry.network,
    labels: Array.isArray(entry.labels)
      ? Object.fromEntries(entry.labels.filter(isObj).map((label) => [label.name, label.value]))
      : undefined,
  };
  const services = composeServices(
    { services: { [appId]: service } },
    { substitute: (value) => value, notes },
    appId,
  );
  const unpublished = services[0]?.ports?.filter((port) => port.host === null) ?? [];
  if (unpublished.length > 0) {
    notes.push(
      `Portainer publishes ${unpublished.map((port) => `${port.container}/${port.protocol ?? 'tcp'}`).join(', ')} on host ports it picks; here they are unpublished until config.ports gives them one`,
    );
  }
  markMainPort(services);
  return services;
}

/** `{container, bind?, readonly?}`: without bind, a volume Tomo manages. */
function volumesOf(value: unknown): Obj[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Unrepresentable('volumes is not a list');
  return value.map((raw, index) => {
    if (!isObj(raw) || typeof raw.container !== 'string') {
      throw new Unrepresentable(`volumes[${index}] has no container path`);
    }
    const bind = textOf(raw.bind);
    return bind
      ? { type: 'bind', source: bind, target: raw.container, read_only: raw.readonly === true }
      : { type: 'volume', target: raw.container, read_only: raw.readonly === true };
  });
}

/** Types 2 and 3: the stack's compose file, when the catalog holds it. */
function stackServices(
  tree: CatalogTree,
  entry: Obj,
  env: TemplateEnv,
  notes: string[],
): ManifestService[] {
  const repository = isObj(entry.repository) ? entry.repository : {};
  const url = textOf(repository.url);
  const stackfile = textOf(repository.stackfile)?.replace(/^\.?\//, '');
  if (!url || !stackfile) throw new Unrepresentable('names no stack file (repository.stackfile)');
  if (!OWN_REPOSITORY.test(url)) {
    throw new Unrepresentable(
      `its compose file ${stackfile} is in another repository (${url}), which the catalog does not hold`,
    );
  }
  if (!tree.files().includes(stackfile)) {
    throw new Unrepresentable(`its compose file ${stackfile} is missing from the catalog`);
  }
  const compose = readMap(tree, stackfile);
  const definitions = isObj(compose.services) ? compose.services : {};
  requirePinnedImages(
    Object.entries(definitions).flatMap(([name, raw]) =>
      isObj(raw) && typeof raw.image === 'string' ? [{ name, image: raw.image }] : [],
    ),
  );
  if (entry.type === 2) {
    notes.push('a Swarm stack, run as a Compose app on one server (swarm settings left out)');
  }
  // FORMATS.md §6: stacks define no main service; the first one publishing ports is the guess.
  const main = Object.entries(definitions).find(
    ([, raw]) => isObj(raw) && Array.isArray(raw.ports) && raw.ports.length > 0,
  )?.[0];
  const used = new Set<string>();
  const substitute = (value: string, where: string) =>
    interpolate(value, (name, fallback) => {
      const known = env.values.get(name) ?? fallback;
      if (env.values.has(name)) used.add(name);
      if (known !== undefined) return known;
      throw new Unrepresentable(
        `${where} uses \${${name}}, which the template's env does not declare`,
      );
    });
  const services = composeServices(compose, { substitute, notes }, main);
  // Portainer only substitutes env into the stack file; what it never names has no effect.
  env.inputs = env.inputs.filter((input) => {
    const name = [...env.values].find(([, value]) => value === `\${inputs.${input.name}}`)?.[0];
    if (name !== undefined && used.has(name)) return true;
    notes.push(`env ${input.name} is used nowhere in ${stackfile}; left out`);
    return false;
  });
  markMainPort(services);
  return services;
}

/** The tag (or the start of the digest) of an image, as the version to show. */
function imageVersion(image: string): string | undefined {
  const reference = parseImageReference(image);
  return reference?.tag ?? reference?.digest?.slice(0, 19) ?? undefined;
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

/** Container ports that usually serve a web UI, most likely first. */
const WEB_PORTS = [80, 443, 8080, 8443, 8000, 3000, 9000];

/** The port users open: the main service's first web-looking TCP port, else its first one. */
function markMainPort(services: ManifestService[]): void {
  const ports = services.find((service) => service.main)?.ports ?? [];
  const web = ports.filter((port) => port.protocol !== 'udp' && WEB_PORTS.includes(port.container));
  web.sort((a, b) => WEB_PORTS.indexOf(a.container) - WEB_PORTS.indexOf(b.container));
  const port = web[0] ?? ports[0];
  if (port) port.main = true;
}
