import { BackupEntity } from './backup.entity';

/** The entities of the backup module (registered in src/database/entities.ts). */
export const BACKUP_ENTITIES: (new () => object)[] = [BackupEntity];
