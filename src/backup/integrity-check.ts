import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';

/**
 * PRAGMA integrity_check of a database file on a worker thread (its own read-only connection),
 * so the event loop keeps serving and the check runs beside the hashing or encryption of the
 * same file. Resolves with the problems found (empty when the answer is "ok").
 */
export function integrityProblems(path: string): Promise<string[]> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.module);
    let db;
    try {
      db = new Database(workerData.path, { readonly: true, fileMustExist: true });
      const rows = db.pragma('integrity_check');
      parentPort.postMessage({ problems: rows.map((r) => r.integrity_check).filter((l) => l !== 'ok') });
    } catch (error) {
      parentPort.postMessage({ problems: [String(error && error.message || error)] });
    } finally {
      if (db) db.close();
    }
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: { path, module: require.resolve('better-sqlite3') },
    });
    let answered = false;
    worker.once('message', (message: { problems: string[] }) => {
      answered = true;
      resolve(message.problems);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`integrity check worker exited with code ${code}`));
    });
  });
}

/** Makes a copied database self-contained: rollback journal, so no -wal belongs to it. */
export function detachFromWal(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** Runs integrity_check (worker) and throws with the first problems unless "ok". */
export async function assertIntegrity(path: string): Promise<void> {
  const problems = await integrityProblems(path);
  if (problems.length)
    throw new Error(`integrity_check failed: ${problems.slice(0, 3).join('; ')}`);
}
