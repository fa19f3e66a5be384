import { parseImageReference } from '../manifest/image-reference';
import { parseDocument } from '../manifest/manifest-parser';
import { APP_ID_PATTERN, ARCHITECTURES, type CATEGORIES } from '../manifest/manifest.schema';
import type { AppManifest, ManifestInput, ManifestService } from '../manifest/manifest.types';
import { type CatalogTree, toAppId, Unrepresentable } from './importer';

/**
 * What the Compose-based store importers (CasaOS, Umbrel, Dokploy) share: reading a store file,
 * Compose variable interpolation, the inputs an import declares, and the metadata fields every
 * manifest gets the same way.
 */

export type Obj = Record<string, unknown>;
export type Category = (typeof CATEGORIES)[number];

export const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string, number or boolean as text; anything else is not a value a store may put there. */
export function plainText(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Unrepresentable(`${where} is not a plain value`);
}

/** `record[key]` when the record itself has the key (never an Object.prototype member). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A non-empty trimmed string, or undefined. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

export type StoreDocument = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * A YAML or JSON file of the tree, parsed safely (parseDocument) with YAML merge keys (`<<: *x`)
 * applied. Never throws: a missing or unreadable file is a reason, kept for the app's outcome.
 */
export function readStoreDocument(tree: CatalogTree, path: string): StoreDocument {
  let text: string | undefined;
  try {
    text = tree.read(path);
  } catch {
    text = undefined;
  }
  if (text === undefined) return { ok: false, reason: `${path} is missing or too large` };
  const parsed = parseDocument(text, path);
  if (!parsed.ok) {
    const problem = parsed.problems[0];
    const where = problem?.path.startsWith('(line') ? ` ${problem.path}` : '';
    return { ok: false, reason: `${problem?.message ?? `${path} cannot be read`}${where}` };
  }
  try {
    return { ok: true, value: applyMergeKeys(parsed.value) };
  } catch (error) {
    return { ok: false, reason: `${path}: ${error instanceof Error ? error.message : ''}` };
  }
}

/** The value of a document that must have been read, or the reason it could not be. */
export function documentValue(document: StoreDocument): unknown {
  if (!document.ok) throw new Unrepresentable(document.reason);
  return document.value;
}

/**
 * YAML 1.1 merge keys, which the core schema of parseDocument leaves as a literal `<<` key: the
 * maps named there are merged under the map's own keys (the earlier of several maps wins).
 */
export function applyMergeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(applyMergeKeys);
  if (!isObj(value)) return value;
  const entries: [string, unknown][] = [];
  if (Object.hasOwn(value, '<<')) {
    const sources: unknown = value['<<'];
    const list: unknown[] = Array.isArray(sources) ? (sources as unknown[]).slice() : [sources];
    for (const source of list.reverse()) {
      if (!isObj(source)) throw new Error('a YAML merge key (<<) names something other than a map');
      entries.push(...Object.entries(source));
    }
  }
  entries.push(...Object.entries(value).filter(([key]) => key !== '<<'));
  const merged: Obj = {};
  for (const [key, entry] of entries) {
    // defineProperty, not assignment: a "__proto__" key stays a key
    Object.defineProperty(merged, key, {
      value: applyMergeKeys(entry),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

/**
 * The manifest text for one Compose variable. `fallback` is the interpolated default of
 * `${NAME:-default}` / `${NAME-default}`, undefined when there is none.
 */
export type VariableLookup = (name: string, fallback: string | undefined) => string;

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Compose interpolation (`$$`, `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
 * `${NAME:?error}`, `${NAME?error}`) with every variable replaced by what `lookup` says. A literal
 * `${` (written `$${`) cannot be said in a manifest, whose strings have no escape for it.
 */
export function interpolate(value: string, lookup: VariableLookup): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const char = value[i]!;
    if (char !== '$') {
      out += char;
      i += 1;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      if (value[i + 2] === '{') {
        throw new Unrepresentable(
          `"${clip(value)}" holds a literal \${…} (written $\${…}), which a manifest cannot escape`,
        );
      }
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(value, i + 2);
      if (end < 0) throw new Unrepresentable(`"${clip(value)}" has a "\${" that is never closed`);
      out += expand(value.slice(i + 2, end), lookup);
      i = end + 1;
    } else {
      NAME.lastIndex = i + 1;
      const name = NAME.exec(value)?.[0];
      out += name ? lookup(name, undefined) : '$';
      i += 1 + (name?.length ?? 0);
    }
  }
  return out;
}

function closingBrace(value: string, from: number): number {
  let depth = 1;
  for (let i = from; i < value.length; i++) {
    if (value[i] === '{') depth += 1;
    else if (value[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expand(body: string, lookup: VariableLookup): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
  if (!match) throw new Unrepresentable(`"\${${clip(body)}}" is not a variable reference`);
  const [, name = '', operator, argument = ''] = match;
  switch (operator) {
    case undefined:
    case '?':
    case ':?':
      return lookup(name, undefined);
    case '-':
    case ':-':
      return lookup(name, interpolate(argument, lookup));
    default:
      throw new Unrepresentable(
        `"\${${clip(body)}}" takes a value only when ${name} is set, which a manifest cannot express`,
      );
  }
}

function clip(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}…` : value;
}

/** A store variable name made into an input name (`db_password` → `DB_PASSWORD`). */
export function inputNameOf(variable: string): string {
  const name = variable.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');
  return /^[A-Z_]/.test(name) ? name : `_${name}`;
}

/** The inputs an import declares, each once, referenced as `${inputs.NAME}`. */
export class InputSet {
  private readonly inputs = new Map<string, ManifestInput>();
  private readonly names = new Map<string, string>();

  /**
   * Declares `input` the first time `key` (by default its name) is seen, renaming it `NAME_2`, …
   * when another key took the name, and returns the reference to it.
   */
  ref(input: ManifestInput, key = input.name): string {
    let name = this.names.get(key);
    if (name === undefined) {
      name = input.name;
      for (let n = 2; this.inputs.has(name); n++) name = `${input.name}_${n}`;
      this.inputs.set(name, { ...input, name });
      this.names.set(key, name);
    }
    return `\${inputs.${name}}`;
  }

  list(): ManifestInput[] | undefined {
    return this.inputs.size > 0 ? [...this.inputs.values()] : undefined;
  }
}

/** The store's id when it is already a manifest id, else made into one. */
export function appIdOf(storeId: string): string {
  return new RegExp(APP_ID_PATTERN).test(storeId) ? storeId : toAppId(storeId);
}

export function httpsUrl(value: unknown): string | undefined {
  const text = textOf(value);
  return text && text.length <= 2048 && /^https:\/\/\S+$/.test(text) ? text : undefined;
}

export function linksOf(links: {
  website?: unknown;
  repository?: unknown;
  documentation?: unknown;
}): AppManifest['links'] {
  const result: NonNullable<AppManifest['links']> = {};
  const website = httpsUrl(links.website);
  const repository = httpsUrl(links.repository);
  const documentation = httpsUrl(links.documentation);
  if (website) result.website = website;
  if (repository) result.repository = repository;
  if (documentation) result.documentation = documentation;
  return Object.keys(result).length > 0 ? result : undefined;
}

/** Store tags made into manifest ones (lower-case words joined by dashes), each once. */
export function tagsOf(values: unknown[]): string[] | undefined {
  const tags = new Set<string>();
  for (const value of values) {
    const tag = (textOf(value) ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 32)
      .replace(/-+$/, '');
    if (tag) tags.add(tag);
  }
  return tags.size > 0 ? [...tags].slice(0, 32) : undefined;
}

const MAX_DESCRIPTION = 4096;

/** A description within the manifest's limit, cut at a word when it is longer. */
export function descriptionOf(value: unknown, notes: string[]): string | undefined {
  const text = textOf(value);
  if (!text || text.length <= MAX_DESCRIPTION) return text;
  const cut = text.slice(0, MAX_DESCRIPTION - 1);
  notes.push(`the description is cut to ${MAX_DESCRIPTION} characters`);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), MAX_DESCRIPTION / 2)).trimEnd()}…`;
}

export function architecturesOf(
  value: unknown,
  notes: string[],
): NonNullable<AppManifest['requirements']>['architectures'] {
  if (!Array.isArray(value)) return undefined;
  const known = new Set<string>(ARCHITECTURES);
  const result = new Set<(typeof ARCHITECTURES)[number]>();
  for (const entry of value) {
    const architecture = textOf(entry);
    if (architecture && known.has(architecture)) {
      result.add(architecture as (typeof ARCHITECTURES)[number]);
    } else if (architecture) {
      notes.push(`the architecture "${architecture}" is not one Tomo knows; left out`);
    }
  }
  return result.size > 0 ? [...result] : undefined;
}

/**
 * Refuses an app with an image the manifest would refuse, saying it plainly: the validator's
 * message names a path, a person wants to read "image x:latest is not pinned".
 */
export function requirePinnedImages(services: ManifestService[]): void {
  for (const { image } of services) {
    if (image.includes('${')) {
      throw new Unrepresentable(`the image "${image}" is chosen by a setting; it must be fixed`);
    }
    const reference = parseImageReference(image);
    if (!reference) throw new Unrepresentable(`"${image}" is not a valid image reference`);
    if (reference.digest) continue;
    if (!reference.tag) {
      throw new Unrepresentable(`image ${image} is not pinned (no tag means :latest)`);
    }
    if (reference.tag === 'latest') throw new Unrepresentable(`image ${image} is not pinned`);
  }
}

/**
 * Publishes `container` of a service on `host` (unless the store published it already), adding
 * the port when the compose file does not list it; `main` marks the port users open.
 */
export function publishPort(
  service: ManifestService,
  container: number,
  host: number | null,
  main: boolean,
): void {
  const ports = service.ports ?? [];
  let port = ports.find((entry) => entry.container === container && entry.protocol !== 'udp');
  if (!port) {
    port = { container, host: null, protocol: 'tcp' };
    ports.push(port);
  }
  port.host ??= host;
  if (main) port.main = true;
  service.ports = ports;
}

const MEMORY_UNITS: Record<string, number> = { b: 1 / 1048576, k: 1 / 1024, m: 1, g: 1024 };

/**
 * The app's requirements: the memory its compose file reserves
 * (`deploy.resources.reservations.memory`, added up over the services) and its architectures.
 */
export function requirementsOf(
  compose: unknown,
  architectures?: NonNullable<AppManifest['requirements']>['architectures'],
): AppManifest['requirements'] {
  const memory = reservedMemoryMb(compose);
  if (memory === undefined && architectures === undefined) return undefined;
  return {
    ...(memory === undefined ? {} : { memory_mb: memory }),
    ...(architectures && { architectures }),
  };
}

function reservedMemoryMb(compose: unknown): number | undefined {
  const services = isObj(compose) && isObj(compose.services) ? compose.services : {};
  let total = 0;
  for (const service of Object.values(services)) {
    const deploy = isObj(service) ? service.deploy : undefined;
    const resources = isObj(deploy) ? deploy.resources : undefined;
    const reservations = isObj(resources) ? resources.reservations : undefined;
    const memory = isObj(reservations) ? textOf(reservations.memory) : undefined;
    const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(memory ?? '');
    if (match) total += Number(match[1]) * (MEMORY_UNITS[(match[2] || 'b').toLowerCase()] ?? 0);
  }
  return total >= 1 ? Math.round(total) : undefined;
}

/** The manifest without keys whose value is undefined (optional parts the store lacks). */
export function compact(manifest: AppManifest): AppManifest {
  return Object.fromEntries(
    Object.entries(manifest).filter(([, value]) => value !== undefined),
  ) as AppManifest;
}
