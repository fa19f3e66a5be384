import { tokensOf } from '../../marketplace/manifest/substitutions';

// `${inputs.NAME}`, `${app_id}`, `${installation_id}` and `${app_data}` in a service's strings.

const TOKEN = /\$\{([^}]*)\}/g;

/** What each `${…}` of a service string stands for, by token (`inputs.ADMIN_PASSWORD`, `app_id`). */
export type Variables = ReadonlyMap<string, string>;

export function substitutionVariables(
  inputs: Readonly<Record<string, string>>,
  context: { appId: string; installationId: string; appData: string },
): Variables {
  const variables = new Map<string, string>([
    ['app_id', context.appId],
    ['installation_id', context.installationId],
    ['app_data', context.appData],
  ]);
  for (const [name, value] of Object.entries(inputs)) variables.set(`inputs.${name}`, value);
  return variables;
}

/**
 * Replaces every `${…}` in one pass: a value that itself contains `${…}` (an input's, say) is
 * inserted as it is, never expanded again. Returns why it cannot when a token is unknown or a
 * `${` is never closed (the manifest validator refuses both; this guards the plan).
 */
export function substitute(value: string, variables: Variables): string | { problem: string } {
  const { tokens, unterminated } = tokensOf(value);
  if (unterminated) return { problem: 'has a "${" that is never closed' };
  const unknown = tokens.find((token) => !variables.has(token));
  if (unknown !== undefined) return { problem: `\${${unknown.slice(0, 64)}} cannot be resolved` };
  // A function replacement: `$&` or `$1` inside a value are inserted literally.
  return value.replace(TOKEN, (_whole, token: string) => variables.get(token) ?? '');
}
