import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import type { ServiceState, StepRecord } from './deployment-engine';
import { INSTALLATION_STATUSES, InstalledAppEntity } from './entities/installed-app.entity';

export function toInstallationView(row: InstalledAppEntity) {
  return {
    id: row.id,
    server_id: row.serverId,
    app_id: row.appId,
    name: row.name,
    version: row.version,
    status: row.status,
    method: row.method,
    services: JSON.parse(row.services) as ServiceState[],
    steps: JSON.parse(row.steps) as StepRecord[],
    error: row.error,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export type InstallationView = ReturnType<typeof toInstallationView>;

export const INSTALLATION_SCHEMA = objectSchema({
  id: str('uuid'),
  server_id: str('uuid'),
  app_id: str(),
  name: str(),
  version: str(),
  status: enumOf(INSTALLATION_STATUSES),
  method: nullable(enumOf(['agent', 'ssh'])),
  services: {
    type: 'array',
    items: objectSchema({
      name: str(),
      container_id: nullable(str()),
      image: str(),
      state: str(),
      health: nullable(str()),
      ports: {
        type: 'array',
        items: objectSchema({ container: int(), host: nullable(int()), protocol: str() }),
      },
    }),
  },
  steps: {
    type: 'array',
    items: objectSchema({
      name: str(),
      status: enumOf(['running', 'done', 'failed']),
      started_at: str('date-time'),
      finished_at: nullable(str('date-time')),
      error: nullable(str()),
    }),
  },
  error: nullable(str()),
  created_at: str('date-time'),
  updated_at: str('date-time'),
});
export const INSTALLATION_LIST_SCHEMA = listSchema(INSTALLATION_SCHEMA);
export const LOGS_SCHEMA = objectSchema({ service: str(), logs: str() });

const nullableNumber = { anyOf: [{ type: 'number' }, { type: 'null' }] };
export const PREFLIGHT_SCHEMA = objectSchema({
  success: bool(),
  errors: { type: 'array', items: str() },
  warnings: { type: 'array', items: str() },
  docker: objectSchema({
    ok: bool(),
    version: nullable(str()),
    method: nullable(enumOf(['agent', 'ssh'])),
  }),
  architecture: nullable(str()),
  disk: objectSchema({ free_gb: nullableNumber, total_gb: nullableNumber }),
  memory: objectSchema({ free_mb: nullable(int()), total_mb: nullable(int()) }),
  ports: { type: 'object', additionalProperties: enumOf(['free', 'in_use']) },
});
