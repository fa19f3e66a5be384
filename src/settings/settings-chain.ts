import { createHmac } from 'node:crypto';
import { hmacSha256Hex } from '../common/crypto/tokens';
import type { SettingsAuditEntity } from './entities/settings-audit.entity';

/** The checksum "before" the first row. */
export const SETTINGS_GENESIS = '0'.repeat(64);

/**
 * The chain key: derived from the audit key with its own label, so a settings checksum can
 * never be passed off as an audit_log hash (or the other way round).
 */
export function settingsChainKey(auditKey: Buffer): Buffer {
  return createHmac('sha256', auditKey).update('tomo-settings-audit-chain-v1').digest();
}

/** HMAC-SHA256 over every field of a row, its position and the previous row's checksum. */
export function settingsChecksum(
  key: Buffer,
  row: Omit<SettingsAuditEntity, 'checksum'>,
  previousChecksum: string,
): string {
  return hmacSha256Hex(
    key,
    JSON.stringify([
      row.seq,
      row.id,
      row.timestamp,
      row.settingScope,
      row.settingKey,
      row.userId,
      row.oldValue,
      row.newValue,
      row.changedBy,
      previousChecksum,
    ]),
  );
}

export interface SettingsChainVerification {
  valid: boolean;
  checked: number;
  /** The first row that was edited, inserted, moved, or follows a deleted one. */
  first_invalid_id: string | null;
}

/** Walks rows in `seq` order from the genesis; stops at the first broken link. */
export function verifySettingsChain(
  key: Buffer,
  rows: readonly SettingsAuditEntity[],
): SettingsChainVerification {
  let previous = SETTINGS_GENESIS;
  let previousSeq = 0;
  let checked = 0;
  for (const row of rows) {
    checked++;
    if (row.seq !== previousSeq + 1 || row.checksum !== settingsChecksum(key, row, previous)) {
      return { valid: false, checked, first_invalid_id: row.id };
    }
    previous = row.checksum;
    previousSeq = row.seq;
  }
  return { valid: true, checked, first_invalid_id: null };
}
