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
];
