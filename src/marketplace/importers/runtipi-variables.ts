import type { ManifestInput } from '../manifest/manifest.types';
import { defaultHostPath } from './compose';
import { Unrepresentable } from './importer';
import { inputNameOf, interpolate, isObj, type Obj, textOf } from './importer-support';

/**
 * Runtipi's variables in compose values: `form_fields` become manifest inputs, Runtipi's built-in
 * variables become `${app_data}`, the app's port, a literal, or an input the installer asks for.
 */

const FIELD_TYPES: Record<string, ManifestInput['type']> = {
  text: 'text',
  password: 'password',
  email: 'email',
  number: 'number',
  fqdn: 'text',
  ip: 'text',
  fqdnip: 'text',
  url: 'url',
  boolean: 'boolean',
  random: 'password',
};

/** Built-ins the manifest has no counterpart for: the installer asks for them. */
const ASKED_BUILTINS: Record<string, Omit<ManifestInput, 'name'>> = {
  TZ: {
    label: 'Time zone',
    type: 'text',
    required: false,
    default: 'UTC',
    description:
      'IANA time zone of the app, e.g. Europe/Paris (Runtipi passed the host time zone).',
  },
  APP_DOMAIN: {
    label: 'Domain name',
    type: 'text',
    required: false,
    description: "The domain the app is reached at, e.g. app.example.com (Runtipi's APP_DOMAIN).",
  },
  APP_LOCAL_DOMAIN: {
    label: 'Local domain name',
    type: 'text',
    required: false,
    description:
      "The app's name on the local network, e.g. app.home.lan (Runtipi's APP_LOCAL_DOMAIN).",
  },
  LOCAL_DOMAIN: {
    label: 'Local domain',
    type: 'text',
    required: false,
    description: "The local network's domain, e.g. home.lan (Runtipi's LOCAL_DOMAIN).",
  },
  APP_HOST: {
    label: 'Server address',
    type: 'text',
    required: true,
    description: 'Host name or IP address of the server the app runs on.',
  },
  INTERNAL_IP: {
    label: 'Server IP address',
    type: 'text',
    required: true,
    description: 'IP address of the server on the local network.',
  },
};

/** Marks Runtipi's root folder inside a host path until `hostPath` decides what it becomes. */
const ROOT_FOLDER = '${app_data}/\u0000runtipi-root';

const ALL_INTERFACES = new Set(['', '0.0.0.0', '::', '[::]']);

export class RuntipiVariables {
  private readonly fields = new Map<string, ManifestInput>();
  private readonly asked = new Map<string, ManifestInput>();
  private readonly used = new Set<string>();

  constructor(
    private readonly config: Obj,
    private readonly port: number | undefined,
    private readonly notes: string[],
  ) {
    const fields = Array.isArray(config.form_fields) ? config.form_fields : [];
    fields.forEach((field, index) => {
      if (!isObj(field)) throw new Unrepresentable(`form_fields[${index}] is not a map`);
      const env = textOf(field.env_variable);
      if (!env) throw new Unrepresentable(`form_fields[${index}] names no env_variable`);
      if (!this.fields.has(env)) this.fields.set(env, this.inputOf(field, env));
    });
  }

  /** Rewrites a compose string to the manifest's substitutions (the `substitute` hook). */
  readonly substitute = (value: string, where: string): string =>
    interpolate(value, (name, fallback) => this.resolve(name, fallback, where));

  /** Maps a substituted bind-mount source to `${app_data}/…` (the `hostPath` hook). */
  readonly hostPath = (source: string): string | null => {
    let path = source;
    const colon = path.indexOf(':');
    if (colon >= 0) {
      this.notes.push(
        `the host path "${source.replace(ROOT_FOLDER, '${ROOT_FOLDER_HOST}')}" contains a colon (a slip in the store); the part before it is used`,
      );
      path = path.slice(0, colon);
    }
    if (path.startsWith(ROOT_FOLDER)) {
      const rest = path.slice(ROOT_FOLDER.length);
      if (!/^\/media(\/|$)/.test(rest)) {
        throw new Unrepresentable(
          `mounts \${ROOT_FOLDER_HOST}${rest}, a folder of Runtipi outside the app's data directory`,
        );
      }
      this.notes.push(
        `Runtipi's shared media folder \${ROOT_FOLDER_HOST}${rest} becomes the app's own \${app_data}${rest} (point it at a shared folder with config.volumes)`,
      );
      path = `\${app_data}${rest}`;
    }
    if (path === '${app_data}' || path.startsWith('${app_data}/')) {
      return path.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
    }
    return defaultHostPath(path);
  };

  /**
   * The address a port is bound to, from the store's `interface` value (`${VAR:-0.0.0.0}`): true
   * when it is every interface, false when it is one address or a setting with no default.
   */
  bindsAllInterfaces(value: unknown, where: string): boolean {
    if (value === undefined || value === null) return true;
    const setting = textOf(value);
    if (setting === undefined) return false;
    let literal = true;
    const address = interpolate(setting, (name, fallback) => {
      const fieldDefault = this.fields.get(name)?.default;
      if (fallback !== undefined) return fallback;
      if (typeof fieldDefault === 'string') return fieldDefault;
      literal = false;
      return '';
    });
    if (!literal || !ALL_INTERFACES.has(address)) return false;
    if (setting.includes('$')) {
      this.notes.push(
        `${where}: the interface setting "${setting}" is not kept; the port is published on all interfaces`,
      );
    }
    return true;
  }

  /** The inputs the converted services use: form fields in store order, then asked built-ins. */
  inputs(): ManifestInput[] {
    const inputs: ManifestInput[] = [];
    for (const [env, input] of this.fields) {
      if (this.used.has(env)) inputs.push(input);
      else this.notes.push(`form field ${env} is used by no service; left out`);
    }
    return [...inputs, ...this.asked.values()];
  }

  private resolve(name: string, fallback: string | undefined, where: string): string {
    const field = this.fields.get(name);
    if (field) {
      this.used.add(name);
      this.keepFallback(field, fallback, where);
      return `\${inputs.${field.name}}`;
    }
    const asked = ASKED_BUILTINS[name];
    if (asked) {
      const input = this.asked.get(name) ?? { name, ...asked };
      this.asked.set(name, input);
      this.keepFallback(input, fallback, where);
      return `\${inputs.${name}}`;
    }
    switch (name) {
      case 'APP_DATA_DIR':
        return '${app_data}';
      case 'APP_ID':
        return '${app_id}';
      case 'APP_PORT':
        if (this.port === undefined) {
          throw new Unrepresentable(`${where} uses \${APP_PORT}, but config.json has no port`);
        }
        return String(this.port);
      case 'APP_PROTOCOL':
        return fallback ?? 'http';
      case 'DNS_IP':
        return fallback ?? '9.9.9.9';
      case 'TIPI_UID':
      case 'TIPI_GID':
        return '1000';
      case 'ROOT_FOLDER_HOST':
        if (!where.includes('.volumes')) {
          throw new Unrepresentable(
            `${where} uses \${ROOT_FOLDER_HOST} (Runtipi's own folder) outside a volume`,
          );
        }
        return ROOT_FOLDER;
      case 'VAPID_PUBLIC_KEY':
      case 'VAPID_PRIVATE_KEY':
        if (this.config.generate_vapid_keys === true) {
          throw new Unrepresentable(
            'needs a VAPID key pair generated at install (generate_vapid_keys), which no manifest generator makes',
          );
        }
    }
    if (fallback !== undefined) return fallback;
    throw new Unrepresentable(
      `${where} uses \${${name}}, which is neither a form field nor a Runtipi variable`,
    );
  }

  /** `${FIELD:-word}`: the word becomes the input's default when it has none. */
  private keepFallback(input: ManifestInput, value: string | undefined, where: string) {
    if (value === undefined || input.default !== undefined) return;
    if (!value.includes('${') && value.length <= 1024) input.default = value;
    else this.notes.push(`${where}: the default "${value}" of ${input.name} is not kept`);
  }

  private inputOf(field: Obj, env: string): ManifestInput {
    const name = inputNameOf(env);
    const storeType = typeof field.type === 'string' ? field.type : 'text';
    let type = FIELD_TYPES[storeType];
    if (!type) {
      this.notes.push(`form field ${env}: type "${storeType}" is asked as text`);
      type = 'text';
    }
    const input: ManifestInput = {
      name,
      label: (textOf(field.label) ?? env).slice(0, 128),
      type,
      required: field.required === true,
    };
    const description = [
      textOf(field.hint),
      textOf(field.placeholder) && `Example: ${textOf(field.placeholder)}`,
    ]
      .filter(Boolean)
      .join(' ');
    if (description) input.description = description.slice(0, 1024);
    if (storeType === 'random') return this.randomInput(input, field);

    const options = Array.isArray(field.options) ? field.options.filter(isObj) : [];
    if (options.length > 0) {
      input.type = 'select';
      input.options = options.map((option) => textOf(option.value) ?? textOf(option.label) ?? '');
    }
    const fallback = field.default;
    if (
      typeof fallback === 'string' ||
      typeof fallback === 'number' ||
      typeof fallback === 'boolean'
    ) {
      if (typeof fallback === 'string' && fallback.includes('${')) {
        this.notes.push(`form field ${env}: the default "${fallback}" is not kept`);
      } else input.default = fallback;
    }
    const pattern = this.patternOf(field, env, type);
    if (pattern) input.pattern = pattern;
    return input;
  }

  /** A `random` field: never asked in Runtipi, generated once; here a generator default. */
  private randomInput(input: ManifestInput, field: Obj): ManifestInput {
    const wanted = typeof field.min === 'number' ? Math.round(field.min) : 32;
    const length = Math.min(128, Math.max(8, wanted));
    if (length !== wanted) {
      this.notes.push(
        `form field ${input.name}: a random value of ${length} characters instead of ${wanted}`,
      );
    }
    return {
      ...input,
      type: 'password',
      required: true,
      default: field.encoding === 'hex' ? `\${hex:${length}}` : `\${password:${length}}`,
      description: input.description ?? 'A random secret generated at install.',
    };
  }

  /** The store's regex, else its min/max length for free text. */
  private patternOf(field: Obj, env: string, type: ManifestInput['type']): string | undefined {
    const regex = textOf(field.regex);
    if (regex) {
      try {
        new RegExp(regex, 'u');
        return regex.slice(0, 512);
      } catch {
        this.notes.push(
          `form field ${env}: its pattern is not a valid regular expression; left out`,
        );
        return undefined;
      }
    }
    if (type !== 'text' && type !== 'password') return undefined;
    const min = typeof field.min === 'number' ? Math.max(0, Math.round(field.min)) : undefined;
    const max = typeof field.max === 'number' ? Math.round(field.max) : undefined;
    if (min === undefined && max === undefined) return undefined;
    return `^[\\s\\S]{${min ?? 0},${max ?? ''}}$`;
  }
}
