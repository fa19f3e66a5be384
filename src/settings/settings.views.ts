import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import type { JsonSchema } from '../common/validation/json-schema';
import type { SettingsAuditEntity } from './entities/settings-audit.entity';
import type { SettingDefinition } from './setting-definitions';
import type { SettingPrimitive } from './setting-values';

/** What is stored for a key, as the view needs it (null: never set, the default applies). */
export interface StoredSetting {
  /** The typed value; null for a secret (never shown) or a stored value today's rules refuse. */
  value: SettingPrimitive | null;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

/** The rules a value must follow, so a client can offer only valid values. */
function constraintsOf(definition: SettingDefinition) {
  switch (definition.type) {
    case 'integer':
      return {
        min: definition.min,
        max: definition.max,
        ...(definition.unit ? { unit: definition.unit } : {}),
      };
    case 'enum':
      return { values: [...definition.values] };
    case 'string':
      return {
        max_length: definition.maxLength,
        ...(definition.pattern ? { pattern: definition.pattern.meaning } : {}),
      };
    case 'secret':
      return { max_length: definition.maxLength };
    case 'boolean':
      return {};
  }
}

/**
 * One setting as the API shows it. `canSee` is false for a non-admin reading an admin-only key:
 * the key is listed, its value and default are null. A secret never shows its value or default,
 * only `is_set`.
 */
export function toSettingView(
  key: string,
  definition: SettingDefinition,
  stored: StoredSetting | null,
  defaultValue: SettingPrimitive,
  canSee: boolean,
) {
  const secret = definition.type === 'secret';
  const shown = canSee && !secret;
  return {
    key,
    value: shown ? (stored?.value ?? defaultValue) : null,
    default: shown ? defaultValue : null,
    type: definition.type,
    category: definition.category,
    scope: definition.scope,
    description: definition.description,
    admin_only: definition.adminOnly,
    version: stored?.version ?? 0,
    updated_at: stored?.updatedAt ?? null,
    updated_by: stored?.updatedBy ?? null,
    ...(secret ? { is_set: stored !== null } : {}),
    constraints: constraintsOf(definition),
  };
}

export type SettingView = ReturnType<typeof toSettingView>;

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function toSettingsAuditView(row: SettingsAuditEntity) {
  return {
    id: row.id,
    setting_scope: row.settingScope,
    setting_key: row.settingKey,
    user_id: row.userId,
    old_value: parseJson(row.oldValue),
    new_value: parseJson(row.newValue),
    changed_by: row.changedBy,
    checksum: row.checksum,
    timestamp: row.timestamp,
  };
}

const VALUE: JsonSchema = { type: ['integer', 'boolean', 'string', 'null'] };
/** Audit values are JSON as stored; "[secret]" stands for a secret, null for the default. */
const ANY_JSON: JsonSchema = { description: 'The value as JSON; null means the default.' };

export const SETTING_SCHEMA = objectSchema(
  {
    key: str(),
    value: VALUE,
    default: VALUE,
    type: enumOf(['integer', 'boolean', 'string', 'enum', 'secret']),
    category: str(),
    scope: enumOf(['system', 'user']),
    description: str(),
    admin_only: bool(),
    version: int(),
    updated_at: nullable(str('date-time')),
    updated_by: nullable(str()),
    is_set: bool(),
    constraints: {
      type: 'object',
      properties: {
        min: int(),
        max: int(),
        unit: str(),
        values: { type: 'array', items: str() },
        max_length: int(),
        pattern: str(),
      },
    },
  },
  ['is_set'],
);
export const SETTING_LIST_SCHEMA = listSchema(SETTING_SCHEMA);

export const SETTINGS_AUDIT_ENTRY_SCHEMA = objectSchema({
  id: str('uuid'),
  setting_scope: enumOf(['system', 'user']),
  setting_key: str(),
  user_id: nullable(str()),
  old_value: ANY_JSON,
  new_value: ANY_JSON,
  changed_by: str(),
  checksum: str(),
  timestamp: str('date-time'),
});
export const SETTINGS_AUDIT_SCHEMA = objectSchema({
  items: { type: 'array', items: SETTINGS_AUDIT_ENTRY_SCHEMA },
  total: int(),
  chain_valid: bool(),
  first_invalid_id: nullable(str('uuid')),
});
