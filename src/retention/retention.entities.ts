import { AuditAnchorEntity } from '../audit/audit-anchor.entity';
import { RetentionPolicyEntity } from './retention-policy.entity';

/** The entities of the retention migration (registered in src/database/entities.ts). */
export const RETENTION_ENTITIES: (new () => object)[] = [RetentionPolicyEntity, AuditAnchorEntity];
