/** The newest backup as get_status shows it. */
export interface LastBackup {
  id: string;
  created_at: string;
  size_bytes: number;
  status?: string;
}

/**
 * Where get_status finds the last backup. The backup module sits beside monitoring, so it
 * provides this token (globally) rather than monitoring importing it; without a provider the
 * status shows `last_backup: null`.
 */
export interface LastBackupSource {
  lastBackup(): Promise<LastBackup | null>;
}

export const LAST_BACKUP_SOURCE = Symbol('LAST_BACKUP_SOURCE');
