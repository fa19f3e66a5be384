import { ActivityEntryEntity } from './activity-entry.entity';
import { LogEntryEntity } from './log-entry.entity';

/** The entities of the logs module (registered in src/database/entities.ts). */
export const LOGS_ENTITIES: (new () => object)[] = [LogEntryEntity, ActivityEntryEntity];
