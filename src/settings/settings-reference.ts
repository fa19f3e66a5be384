import { SETTING_DEFINITIONS, SettingDefinition } from './setting-definitions';

export const TABLE_START =
  '<!-- settings-table:start (generated from src/settings/setting-definitions.ts) -->';
export const TABLE_END = '<!-- settings-table:end -->';

function rule(definition: SettingDefinition): string {
  switch (definition.type) {
    case 'integer':
      return `${definition.min}–${definition.max}${definition.unit ? ` ${definition.unit}` : ''}`;
    case 'boolean':
      return 'true / false';
    case 'enum':
      return definition.values.map((value) => `\`${value}\``).join(', ');
    case 'string':
      return `${definition.pattern ? definition.pattern.meaning : 'text'}, ≤ ${definition.maxLength} chars`;
    case 'secret':
      return `secret, ≤ ${definition.maxLength} chars`;
  }
}

function shownDefault(definition: SettingDefinition): string {
  if (definition.env) return `from \`${definition.env}\``;
  const value = definition.default as unknown;
  return value === '' ? '(none)' : `\`${String(value)}\``;
}

/** The table of every setting in docs/settings.md, between TABLE_START and TABLE_END. */
export function renderSettingsTable(): string {
  const rows = Object.entries(SETTING_DEFINITIONS as Record<string, SettingDefinition>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([key, definition]) =>
        `| \`${key}\` | ${definition.scope}${definition.adminOnly ? ', admin only' : ''} | ${definition.type} | ${rule(definition)} | ${shownDefault(definition)} | ${definition.description.replace(/\|/g, '\\|')} |`,
    );
  return [
    TABLE_START,
    '<!-- prettier-ignore-start -->',
    '',
    '| key | scope | type | allowed | default | meaning |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '<!-- prettier-ignore-end -->',
    TABLE_END,
  ].join('\n');
}
