import { AccountLockEntity } from '../auth/entities/account-lock.entity';
import { ApiTokenEntity } from '../auth/entities/api-token.entity';
import { SessionEntity } from '../auth/entities/session.entity';
import { UserEntity } from '../auth/entities/user.entity';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { ServerEntity } from '../servers/server.entity';
import { AgentEntity } from '../agents/entities/agent.entity';
import { AgentRegistrationCodeEntity } from '../agents/entities/agent-registration-code.entity';
import { InstalledAppEntity } from '../deployment/entities/installed-app.entity';
import { CatalogAppEntity } from '../marketplace/entities/catalog-app.entity';
import { MarketplaceRepositoryEntity } from '../marketplace/entities/marketplace-repository.entity';
import { MetricSampleEntity } from '../monitoring/metrics/metric-sample.entity';
import { SETTINGS_ENTITIES } from '../settings/settings.entities';
import { LOGS_ENTITIES } from '../logs/logs.entities';
import { NOTIFICATIONS_ENTITIES } from '../notifications/notifications.entities';
import { BACKUP_ENTITIES } from '../backup/backup.entities';
import { RETENTION_ENTITIES } from '../retention/retention.entities';
import { MONITORING_ENTITIES } from '../monitoring/monitoring.entities';

/** Every entity of the schema; the migration drift test compares them with `migrations/`. */
export const ENTITIES = [
  UserEntity,
  SessionEntity,
  AccountLockEntity,
  ApiTokenEntity,
  AuditEntryEntity,
  ServerEntity,
  AgentEntity,
  AgentRegistrationCodeEntity,
  MetricSampleEntity,
  MarketplaceRepositoryEntity,
  CatalogAppEntity,
  InstalledAppEntity,
  ...SETTINGS_ENTITIES,
  ...LOGS_ENTITIES,
  ...NOTIFICATIONS_ENTITIES,
  ...BACKUP_ENTITIES,
  ...RETENTION_ENTITIES,
  ...MONITORING_ENTITIES,
];
