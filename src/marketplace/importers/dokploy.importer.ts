import { MAX_MANIFEST_BYTES } from '../manifest/manifest-parser';
import type { AppManifest, ManifestInput, ManifestService } from '../manifest/manifest.types';
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
  InputSet,
  inputNameOf,
  interpolate,
  isObj,
  linksOf,
  type Obj,
  plainText,
  publishPort,
  readStoreDocument,
  requirePinnedImages,
  requirementsOf,
  tagsOf,
  textOf,
} from './importer-support';
import { parse as parseToml, TomlError } from 'smol-toml';

/** `blueprints/<id>/meta.json` beside `template.toml` and `docker-compose.yml`. */
const META_FILE = /^blueprints\/([^/]+)\/meta\.json$/;
const TEMPLATE_FILE = /^blueprints\/[^/]+\/template\.toml$/;

/** Dokploy has no categories: the first tag that names one decides, else "other". */
const TAG_CATEGORIES: [RegExp, Category][] = [
  [/^(monitoring|uptime|observability|metrics|logging|status-page)$/, 'monitoring'],
  [/^(media|photos?|videos?|music|streaming|gallery|books)$/, 'media'],
  [/^(security|authentication|identity|sso|oidc|oauth2?|password-manager|secrets)$/, 'security'],
  [/^(storage|file-manager|file-sharing|files|sync|backup|cloud-storage|s3)$/, 'storage'],
  [/^(automation|workflow|workflows|home-automation|iot)$/, 'automation'],
  [/^(developer|development|devops|git|ci|api|backend|database|cache|ide)$/, 'development'],
  [/^(network|networking|dns|proxy|vpn)$/, 'networking'],
  [/^(productivity|documents|notes|tasks|project-management|documentation|wiki)$/, 'productivity'],
  [/^(knowledge-base|office|collaboration|crm|erp)$/, 'productivity'],
  [/^(dashboard|startpage|tools|utilities|utility)$/, 'utility'],
];

/** Dokploy/templates: Compose files plus template.toml (variables, env, domains, mounts). */
export class DokployImporter implements CatalogImporter {
  readonly format = 'dokploy';

  detect(tree: CatalogTree): boolean {
    return tree.files().some((path) => TEMPLATE_FILE.test(path));
  }

  import(tree: CatalogTree): ImportResult {
    const outcomes = tree
      .files()
      .filter((path) => META_FILE.test(path))
      .map((path) => {
        const folder = path.slice(0, -'/meta.json'.length);
        const storeId = folder.slice('blueprints/'.length);
        return importOne(this.format, path, storeId, (notes) => convert(tree, folder, notes));
      });
    return collect(this.format, outcomes);
  }
}

function convert(tree: CatalogTree, folder: string, notes: string[]): AppManifest {
  const meta = documentValue(readStoreDocument(tree, `${folder}/meta.json`));
  const template = readTemplate(tree, `${folder}/template.toml`);
  const compose = documentValue(readStoreDocument(tree, `${folder}/docker-compose.yml`));
  if (!isObj(meta)) throw new Unrepresentable('meta.json is not an object');
  const storeId = textOf(meta.id) ?? folder.slice('blueprints/'.length);
  const version = textOf(meta.version);
  if (!version) throw new Unrepresentable('meta.json has no version');

  const config = isObj(template.config) ? template.config : {};
  const variables = isObj(template.variables) ? template.variables : {};
  const domains = Array.isArray(config.domains) ? config.domains.filter(isObj) : [];
  const inputs = new InputSet();
  const values = new TemplateValues(variables, inputs, notes);
  const env = envOf(config.env);
  const used = new Set<string>();
  const unset = new Set<string>();
  const lookup = (name: string, fallback: string | undefined): string => {
    const raw = env.get(name);
    if (raw !== undefined) {
      used.add(name);
      return values.text(plainText(raw, `env.${name}`), `env.${name}`, name);
    }
    if (fallback !== undefined) return fallback;
    if (!unset.has(name)) notes.push(`\${${name}} is not set by template.toml; it is left empty`);
    unset.add(name);
    return '';
  };

  const services = composeServices(
    compose,
    {
      substitute: (value) => interpolate(value, lookup),
      hostPath: filesHostPath(config.mounts, notes),
      notes,
    },
    textOf(domains[0]?.serviceName),
  );
  requirePinnedImages(services);
  publishDomains(domains, services, notes);
  const unused = [...env.keys()].filter((key) => !used.has(key));
  if (unused.length > 0) {
    notes.push(
      `template.toml sets ${unused.join(', ')} for the compose file, which never uses them; left out`,
    );
  }

  const tags = tagsOf(Array.isArray(meta.tags) ? meta.tags : []);
  const links = isObj(meta.links) ? meta.links : {};
  return compact({
    manifest_version: 1,
    id: appIdOf(storeId),
    name: textOf(meta.name) ?? storeId,
    version,
    description: descriptionOf(meta.description, notes),
    category: categoryOf(tags ?? []),
    tags,
    links: linksOf({
      website: links.website,
      repository: links.github,
      documentation: links.docs,
    }),
    admin_only: false,
    requirements: requirementsOf(compose),
    inputs: inputs.list(),
    services,
  });
}

function readTemplate(tree: CatalogTree, path: string): Obj {
  const text = tree.read(path);
  if (text === undefined || Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    throw new Unrepresentable(`${path} is missing or too large`);
  }
  try {
    // smol-toml keeps dates as TomlDate objects; a template only uses strings, numbers and tables.
    return parseToml(text);
  } catch (error) {
    if (error instanceof TomlError) {
      throw new Unrepresentable(
        `template.toml is not valid TOML (line ${error.line}): ${error.message.split('\n')[0]}`,
      );
    }
    throw error;
  }
}

/** `[config] env`: a list of `KEY=value` (or one-key tables) or a table. */
function envOf(value: unknown): Map<string, unknown> {
  const env = new Map<string, unknown>();
  const entries = Array.isArray(value) ? value : isObj(value) ? [value] : [];
  for (const entry of entries) {
    if (typeof entry === 'string') {
      const at = entry.indexOf('=');
      if (at > 0) env.set(entry.slice(0, at).trim(), entry.slice(at + 1));
    } else if (isObj(entry)) {
      for (const [key, raw] of Object.entries(entry)) env.set(key, raw);
    }
  }
  return env;
}

/**
 * `../files/<path>` binds are the app's own files; the ones template.toml writes with content
 * (`[[config.mounts]] filePath`) cannot be carried by a manifest, so such an app is refused.
 */
function filesHostPath(mounts: unknown, notes: string[]): (source: string) => string | null {
  const entries = Array.isArray(mounts) ? mounts.filter(isObj) : [];
  const written = entries
    .map((mount) => textOf(mount.filePath)?.replace(/^\.?\/+/, ''))
    .filter((path): path is string => path !== undefined);
  if (written.length < entries.length) {
    notes.push('[[config.mounts]] entries without a filePath are ignored, as Dokploy does');
  }
  return (source) => {
    const match = /^\.\.\/files(?:\/(.*))?$/.exec(source);
    if (!match) return defaultHostPath(source);
    const path = (match[1] ?? '').replace(/\/+$/, '');
    const file = written.find(
      (candidate) => candidate === path || candidate.startsWith(`${path}/`),
    );
    if (file !== undefined) {
      throw new Unrepresentable(
        `needs the file ${file}, which template.toml writes ([[config.mounts]]); a manifest cannot carry file contents`,
      );
    }
    return path ? `\${app_data}/${path}` : '${app_data}';
  };
}

/**
 * Dokploy routes each `[[config.domains]]` entry to a service's container port through its proxy;
 * Tomo publishes that port on the same host port instead, the first one as the main port.
 */
function publishDomains(domains: Obj[], services: ManifestService[], notes: string[]): void {
  if (domains.length === 0) {
    notes.push('template.toml routes no domain: the app has no web UI');
    return;
  }
  const published: string[] = [];
  domains.forEach((domain, index) => {
    const name = textOf(domain.serviceName) ?? '';
    const port = domain.port;
    const service = services.find((candidate) => candidate.name === serviceNameOf(name || '-'));
    if (
      !service ||
      typeof port !== 'number' ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
    ) {
      notes.push(`the domain for ${name}:${String(port)} is left out (no such service or port)`);
      return;
    }
    publishPort(service, port, port, index === 0);
    published.push(`${service.name}:${port}`);
  });
  if (published.length === 0) return;
  notes.push(
    `Dokploy serves ${published.join(', ')} under a domain through its proxy; Tomo publishes ${published.length > 1 ? 'them on the same host ports' : 'it on the same host port'}`,
  );
}

function categoryOf(tags: string[]): Category {
  for (const tag of tags) {
    const match = TAG_CATEGORIES.find(([pattern]) => pattern.test(tag));
    if (match) return match[1];
  }
  return 'other';
}

type Generator = Pick<ManifestInput, 'type' | 'default' | 'required' | 'description'>;

/**
 * template.toml values as manifest text: Dokploy's helpers (`${password:32}`, `${uuid}`, …)
 * become inputs whose defaults are manifest generators, `${name}` resolves through
 * `[variables]`, and a value holding `${domain}` becomes a text input the installer fills in.
 */
class TemplateValues {
  private readonly resolved = new Map<string, string>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly variables: Obj,
    private readonly inputs: InputSet,
    private readonly notes: string[],
  ) {}

  /** The manifest text of `value`, owned by `key` (`variables.x`, `env.X`) named `name`. */
  text(value: string, key: string, name: string): string {
    if (value.includes('${domain}')) {
      return this.inputs.ref(
        {
          name: inputNameOf(name),
          label: labelOf(name),
          type: 'text',
          required: true,
          description:
            value === '${domain}'
              ? 'The domain name the app is served at (Dokploy generated one).'
              : `A domain name (Dokploy generated one as "${value}").`,
        },
        key,
      );
    }
    let count = 0;
    return value.replace(/\$\{([^}]+)\}/g, (_whole, body: string) => {
      const generator = this.generator(body, name);
      if (generator) {
        count += 1;
        const suffix = count > 1 ? `_${count}` : '';
        return this.inputs.ref(
          { name: `${inputNameOf(name)}${suffix}`, label: labelOf(name), ...generator },
          `${key}#${count}`,
        );
      }
      if (Object.hasOwn(this.variables, body)) return this.variable(body);
      throw new Unrepresentable(
        `${name} refers to \${${body}}, which template.toml does not define`,
      );
    });
  }

  private variable(name: string): string {
    const done = this.resolved.get(name);
    if (done !== undefined) return done;
    if (this.resolving.has(name)) {
      throw new Unrepresentable(`the variable ${name} refers to itself in template.toml`);
    }
    this.resolving.add(name);
    const raw = this.variables[name];
    const text = this.text(plainText(raw, `variables.${name}`), `variables.${name}`, name);
    this.resolving.delete(name);
    this.resolved.set(name, text);
    return text;
  }

  /** A Dokploy helper (processors.ts) as an input, or undefined when `body` names a variable. */
  private generator(body: string, owner: string): Generator | undefined {
    const [helper = '', argument] = body.split(/:(.*)/s);
    const count = argument === undefined ? NaN : Number.parseInt(argument, 10);
    switch (helper) {
      case 'password':
        return secret(`password:${this.length(count || 16, owner)}`);
      case 'hash':
        return secret(`hex:${this.length(count || 8, owner)}`);
      case 'base64':
        this.notes.push(
          `${owner}: Dokploy's \${${body}} (random bytes in base64) is generated as hex`,
        );
        return secret(`hex:${this.length(2 * (count || 32), owner)}`);
      case 'jwt':
        if (argument !== undefined && /^\d{1,3}$/.test(argument)) {
          return secret(`hex:${this.length(2 * count, owner)}`);
        }
        throw new Unrepresentable(
          `${owner} needs a signed JWT (\${${body}}), which a manifest cannot generate`,
        );
      case 'uuid':
        return { type: 'text', default: '${uuid}' };
      case 'randomPort':
        return { type: 'port', default: '${random_port}' };
      case 'email':
        return { type: 'email', required: true, description: 'Dokploy made up an address here.' };
      case 'username':
        return { type: 'text', required: true, description: 'Dokploy made up a user name here.' };
      case 'timestamp':
      case 'timestampms':
      case 'timestamps':
        throw new Unrepresentable(
          `${owner} uses \${${body}}, the time of the install, which a manifest cannot fill in`,
        );
      default:
        return undefined;
    }
  }

  /** A generator length within the manifest's 8–128. */
  private length(wanted: number, owner: string): number {
    const length = Math.min(128, Math.max(8, wanted));
    if (length !== wanted) {
      this.notes.push(`${owner}: a generated length of ${wanted} becomes ${length}`);
    }
    return length;
  }
}

function secret(generator: string): Generator {
  return { type: 'password', default: `\${${generator}}` };
}

/** `db_password` → `Db password`. */
function labelOf(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
