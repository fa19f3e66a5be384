import {
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
  bool,
} from '../common/validation/result-schemas';

export const AUDIT_ENTRY_SCHEMA = objectSchema({
  id: str('uuid'),
  timestamp: str('date-time'),
  actor_type: enumOf(['user', 'api_token', 'agent', 'system']),
  actor_id: nullable(str()),
  actor_name: nullable(str()),
  interface: enumOf(['rest', 'mcp', 'ws', 'system']),
  action: str(),
  target_type: nullable(str()),
  target_id: nullable(str()),
  result: enumOf(['success', 'failure']),
  ip_address: nullable(str()),
  user_agent: nullable(str()),
  details: nullable({ type: 'object' }),
});
export const AUDIT_LIST_SCHEMA = listSchema(AUDIT_ENTRY_SCHEMA);
export const AUDIT_VERIFICATION_SCHEMA = objectSchema({
  valid: bool(),
  checked: int(),
  first_invalid_id: nullable(str()),
});
