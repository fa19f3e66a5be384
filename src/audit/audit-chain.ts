import { constantTimeEqual, hmacSha256Hex } from '../common/crypto/tokens';
import type { AuditAnchorEntity } from './audit-anchor.entity';
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

/** The signed fields of the anchor (where the chain starts after a purge). */
export type AnchorFields = Pick<AuditAnchorEntity, 'seq' | 'hash' | 'purgedCount' | 'purgedAt'>;

/**
 * HMAC-SHA256 of an anchor under the audit key. The canonical form starts with a string, unlike
 * a row's (which starts with its seq), so a row's hash can never pass for an anchor's signature.
 */
export function anchorSignature(key: Buffer, anchor: AnchorFields): string {
  return hmacSha256Hex(
    key,
    JSON.stringify(['audit-anchor', anchor.seq, anchor.hash, anchor.purgedCount, anchor.purgedAt]),
  );
}

/** What verify_audit_log reports. */
export interface ChainVerification {
  valid: boolean;
  checked: number;
  first_invalid_id: string | null;
}

/**
 * Walks rows in seq order from where the chain starts: the genesis hash at seq 0, or the anchor
 * of the last purge. Feed it batches with `check`; `result` gives the verdict. An anchor whose
 * signature fails (edited, or written without the key) fails the first row; a deleted anchor
 * leaves the first remaining row pointing at a purged row, which fails too.
 */
export class ChainVerifier {
  private readonly cursor: ChainCursor;
  private readonly anchorValid: boolean;
  private checked = 0;
  private invalid: string | null = null;
  private broken = false;

  constructor(
    private readonly key: Buffer,
    anchor: (AnchorFields & { signature: string }) | null,
  ) {
    this.anchorValid = !anchor || constantTimeEqual(anchor.signature, anchorSignature(key, anchor));
    this.cursor = anchor
      ? { prevHash: anchor.hash, prevSeq: anchor.seq }
      : { prevHash: GENESIS_HASH, prevSeq: 0 };
    this.broken = !this.anchorValid;
  }

  /** Checks the next rows (in seq order); returns false once the chain is broken. */
  check(rows: AuditEntryEntity[]): boolean {
    for (const row of rows) {
      if (this.broken) {
        this.invalid ??= row.id;
        if (this.checked === 0) this.checked = 1;
        return false;
      }
      this.checked++;
      if (!rowContinuesChain(this.key, row, this.cursor)) {
        this.invalid = row.id;
        this.broken = true;
        return false;
      }
      this.cursor.prevHash = row.hash;
      this.cursor.prevSeq = row.seq;
    }
    return !this.broken;
  }

  /** The seq of the last row that continued the chain (the next batch starts after it). */
  get lastSeq(): number {
    return this.cursor.prevSeq;
  }

  result(): ChainVerification {
    const valid = this.anchorValid && !this.broken;
    return { valid, checked: this.checked, first_invalid_id: valid ? null : this.invalid };
  }
}
