import { hmacSha256Hex } from '../common/crypto/tokens';
import { AuditEntryEntity } from './audit-entry.entity';

/** The hash before the first row. */
export const GENESIS_HASH = '0'.repeat(64);

type ChainedFields = Omit<AuditEntryEntity, 'hash'>;

/**
 * HMAC-SHA256 over every field of a row, its position (`seq`) and the previous row's hash.
 * Editing a field, deleting, inserting or reordering rows breaks the chain at that row.
 */
export function auditHash(key: Buffer, row: ChainedFields): string {
  const canonical = JSON.stringify([
    row.seq,
    row.id,
    row.timestamp,
    row.actorType,
    row.actorId,
    row.actorName,
    row.interface,
    row.action,
    row.targetType,
    row.targetId,
    row.result,
    row.ipAddress,
    row.userAgent,
    row.details,
    row.prevHash,
  ]);
  return hmacSha256Hex(key, canonical);
}

/** Where verification of a run of rows stands after each row. */
export interface ChainCursor {
  prevHash: string;
  prevSeq: number;
}

/** Checks one row against the one before it; returns false at the first broken link. */
export function rowContinuesChain(
  key: Buffer,
  row: AuditEntryEntity,
  cursor: ChainCursor,
): boolean {
  return (
    row.seq === cursor.prevSeq + 1 &&
    row.prevHash === cursor.prevHash &&
    row.hash === auditHash(key, row)
  );
}
