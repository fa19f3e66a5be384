import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import { BACKUP_TRIGGERS, BackupEntity } from './backup.entity';

export function toBackupView(row: BackupEntity) {
  return {
    id: row.id,
    filename: row.filename,
    size_bytes: row.sizeBytes,
    sha256: row.sha256,
    encrypted: row.encrypted,
    includes_key: row.includesKey,
    trigger: row.trigger,
    note: row.note,
    app_version: row.appVersion,
    schema_version: row.schemaVersion,
    created_at: row.createdAt,
    created_by: row.createdBy,
  };
}
export type BackupView = ReturnType<typeof toBackupView>;

export const BACKUP_SCHEMA = objectSchema({
  id: str('uuid'),
  filename: str(),
  size_bytes: int(),
  sha256: str(),
  encrypted: bool(),
  includes_key: bool(),
  trigger: enumOf(BACKUP_TRIGGERS),
  note: nullable(str()),
  app_version: str(),
  schema_version: str(),
  created_at: str('date-time'),
  created_by: nullable(str('uuid')),
});
export const BACKUP_LIST_SCHEMA = listSchema(BACKUP_SCHEMA);

export const RESTORE_SCHEMA = objectSchema({
  restored_backup_id: str('uuid'),
  pre_restore_backup: BACKUP_SCHEMA,
  schema_version: str(),
  migrated: bool(),
  resealed: int(),
  sessions_revoked: int(),
});
