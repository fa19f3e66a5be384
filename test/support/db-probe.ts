import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * The stable columns of the account tables: a change here is a write. Columns that every
 * authenticated request or login touches (last_activity_at, last_used_at, last_login_at,
 * updated_at) are left out so that reading does not count as writing.
 */
const FINGERPRINT_QUERIES = {
  users:
    'SELECT id, username, email, password_hash, role, is_active, password_changed_at FROM users ORDER BY id',
  sessions: 'SELECT id, user_id, expires_at, revoked_at, revoked_reason FROM sessions ORDER BY id',
  api_tokens:
    'SELECT id, user_id, name, token_hash, read_only, expires_at, revoked_at FROM api_tokens ORDER BY id',
  account_locks:
    'SELECT username, failed_attempts, locked_until, last_failure_at FROM account_locks ORDER BY username',
  servers:
    'SELECT id, name, hostname, port, username, auth_type, credential, passphrase, host_key_fingerprint FROM servers ORDER BY id',
} as const;

export type Table = keyof typeof FINGERPRINT_QUERIES;
export type Fingerprint = Record<Table, unknown[]>;

export interface AuditRow {
  seq: number;
  action: string;
  result: string;
}

/** A read-only look into a running Tomo's SQLite file (same SQLite library, WAL mode). */
export class DbProbe {
  private readonly db: Database.Database;

  constructor(dataDirectory: string) {
    this.db = new Database(join(dataDirectory, 'tomo.db'), { readonly: true, fileMustExist: true });
  }

  fingerprint(): Fingerprint {
    const result = {} as Fingerprint;
    for (const [table, sql] of Object.entries(FINGERPRINT_QUERIES) as [Table, string][]) {
      result[table] = this.db.prepare(sql).all();
    }
    return result;
  }

  /** Tables whose rows differ between two fingerprints (row count or stable columns). */
  static changedTables(before: Fingerprint, after: Fingerprint): Table[] {
    return (Object.keys(before) as Table[]).filter(
      (table) => JSON.stringify(before[table]) !== JSON.stringify(after[table]),
    );
  }

  auditHead(): number {
    return (
      this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_log').get() as {
        seq: number;
      }
    ).seq;
  }

  auditSince(seq: number): AuditRow[] {
    return this.db
      .prepare('SELECT seq, action, result FROM audit_log WHERE seq > ? ORDER BY seq')
      .all(seq) as AuditRow[];
  }

  integrityCheck(): string {
    return (this.db.prepare('PRAGMA integrity_check').get() as { integrity_check: string })
      .integrity_check;
  }

  close(): void {
    this.db.close();
  }
}
