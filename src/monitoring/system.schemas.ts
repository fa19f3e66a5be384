import {
  bool,
  enumOf,
  int,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';

const CHECK = enumOf(['up', 'down']);
export const HEALTH_SCHEMA = objectSchema({
  status: enumOf(['ok', 'error']),
  checks: objectSchema({
    database: objectSchema({ status: CHECK, error: str() }, ['error']),
    disk: objectSchema({ status: CHECK, free_bytes: nullable(int()) }),
  }),
});
export const VERSION_SCHEMA = objectSchema({
  name: enumOf(['tomo']),
  version: str(),
  api_version: enumOf(['v1']),
  mcp_protocol_versions: { type: 'array', items: str() },
});
export const SYSTEM_INFO_SCHEMA = objectSchema({
  version: str(),
  started_at: str('date-time'),
  uptime_seconds: int(),
  node_version: str(),
  platform: str(),
  arch: str(),
  database_size_bytes: int(),
  data_directory: str(),
  data_directory_free_bytes: nullable(int()),
  os: objectSchema({
    platform: str(),
    release: str(),
    distro: nullable(str()),
    hostname: str(),
  }),
  cpu: objectSchema({ model: str(), cores: int() }),
  memory: objectSchema({ total_bytes: int(), free_bytes: int() }),
  disk: objectSchema({ path: str(), total_bytes: nullable(int()), free_bytes: nullable(int()) }),
  database: objectSchema({
    type: str(),
    size_bytes: int(),
    tables: {
      type: 'array',
      items: objectSchema({ table: str(), rows: int(), estimated: bool() }),
    },
  }),
  components: {
    type: 'array',
    items: objectSchema({
      component: str(),
      version: str(),
      updated_at: str('date-time'),
      previous_version: nullable(str()),
    }),
  },
  agent_versions: {
    type: 'array',
    items: objectSchema({ version: str(), agents: int() }),
  },
});
