/**
 * The pragmas every SQLite connection gets (DESIGN.md): write-ahead log, a writer waits up to
 * 5 s instead of failing with SQLITE_BUSY, foreign keys enforced, fsync at checkpoints only.
 */
export const SQLITE_PRAGMAS: Record<string, string | number> = {
  journal_mode: 'WAL',
  busy_timeout: 5000,
  foreign_keys: 'ON',
  synchronous: 'NORMAL',
};

/** The minimal surface of a better-sqlite3 handle the pragmas need. */
interface PragmaTarget {
  pragma(source: string): unknown;
}

export function applySqlitePragmas(database: PragmaTarget): void {
  for (const [name, value] of Object.entries(SQLITE_PRAGMAS)) database.pragma(`${name} = ${value}`);
}
