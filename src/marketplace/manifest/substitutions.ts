import type { AppManifest, ManifestProblem } from './manifest.types';

/** `${…}` references allowed in a service's string values. */
const CONTEXT_VARIABLES = new Set(['app_id', 'installation_id', 'app_data']);
/** Generators, allowed in an input's `default` only. */
const GENERATOR = /^(?:password:(\d+)|hex:(\d+)|uuid|random_port)$/;
const TOKEN = /\$\{([^}]*)\}/g;

/** Every `${…}` token of a string, or an error for a `${` that is never closed. */
export function tokensOf(value: string): { tokens: string[]; unterminated: boolean } {
  const tokens = [...value.matchAll(TOKEN)].map((match) => match[1] ?? '');
  const unterminated = value.replace(TOKEN, '').includes('${');
  return { tokens, unterminated };
}

function checkGenerator(token: string): string | null {
  const match = GENERATOR.exec(token);
  if (!match) return null;
  const length = Number(match[1] ?? match[2] ?? 16);
  if ((match[1] || match[2]) && (length < 8 || length > 128)) {
    return `\${${token}}: the length must be between 8 and 128`;
  }
  return 'ok';
}

/** Strings of a service that substitutions apply to, with their paths. */
function serviceStrings(manifest: AppManifest): [string, string][] {
  const strings: [string, string][] = [];
  manifest.services.forEach((service, index) => {
    const at = `services[${index}]`;
    strings.push([`${at}.image`, service.image]);
    service.command?.forEach((arg, i) => strings.push([`${at}.command[${i}]`, arg]));
    service.entrypoint?.forEach((arg, i) => strings.push([`${at}.entrypoint[${i}]`, arg]));
    for (const [key, value] of Object.entries(service.env ?? {})) {
      if (typeof value === 'string') strings.push([`${at}.env.${key}`, value]);
    }
    service.volumes?.forEach((volume, i) => {
      if (volume.host) strings.push([`${at}.volumes[${i}].host`, volume.host]);
    });
    for (const [key, value] of Object.entries(service.labels ?? {})) {
      strings.push([`${at}.labels.${key}`, value]);
    }
    service.healthcheck?.test.forEach((arg, i) =>
      strings.push([`${at}.healthcheck.test[${i}]`, arg]),
    );
  });
  return strings;
}

/**
 * Checks every `${…}`: in services, `${inputs.NAME}` of a declared input or one of `${app_id}`,
 * `${installation_id}`, `${app_data}`; in an input's default, a generator.
 */
export function checkSubstitutions(
  manifest: AppManifest,
  inputNames: ReadonlySet<string>,
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const [path, value] of serviceStrings(manifest)) {
    const { tokens, unterminated } = tokensOf(value);
    if (unterminated) problems.push({ path, message: 'has a "${" that is never closed' });
    for (const token of tokens) {
      if (token.startsWith('inputs.')) {
        const name = token.slice('inputs.'.length);
        if (!inputNames.has(name)) {
          problems.push({ path, message: `\${${token}} names no declared input` });
        }
      } else if (!CONTEXT_VARIABLES.has(token)) {
        const generator = checkGenerator(token) !== null;
        problems.push({
          path,
          message: generator
            ? `\${${token}} is a generator: use it as an input's default and reference the input`
            : `\${${token}} is unknown (use \${inputs.NAME}, \${app_id}, \${installation_id} or \${app_data})`,
        });
      }
    }
  }
  (manifest.inputs ?? []).forEach((input, index) => {
    if (typeof input.default !== 'string') return;
    const path = `inputs[${index}].default`;
    const { tokens, unterminated } = tokensOf(input.default);
    if (unterminated) problems.push({ path, message: 'has a "${" that is never closed' });
    for (const token of tokens) {
      const outcome = checkGenerator(token);
      if (outcome === null) {
        problems.push({
          path,
          message: `\${${token}} is not a generator (\${password:N}, \${hex:N}, \${uuid}, \${random_port})`,
        });
      } else if (outcome !== 'ok') {
        problems.push({ path, message: outcome });
      }
    }
  });
  return problems;
}
