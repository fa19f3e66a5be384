import { randomBytes, randomUUID } from 'node:crypto';
import type { SettingsAuditEntity } from './entities/settings-audit.entity';
import {
  SETTINGS_GENESIS,
  settingsChainKey,
  settingsChecksum,
  verifySettingsChain,
} from './settings-chain';

const auditKey = randomBytes(32);
const key = settingsChainKey(auditKey);

/** A chain of `n` well-formed rows. */
function chain(n: number): SettingsAuditEntity[] {
  const rows: SettingsAuditEntity[] = [];
  let previous = SETTINGS_GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      id: randomUUID(),
      seq,
      settingScope: 'system' as const,
      settingKey: 'security.max_login_attempts',
      userId: null,
      oldValue: seq === 1 ? null : String(seq),
      newValue: String(seq + 1),
      changedBy: 'admin',
      timestamp: new Date(Date.UTC(2026, 0, seq)).toISOString(),
    };
    previous = settingsChecksum(key, fields, previous);
    rows.push({ ...fields, checksum: previous });
  }
  return rows;
}

describe('settings audit checksum chain', () => {
  it('accepts an intact chain, and an empty one', () => {
    expect(verifySettingsChain(key, chain(5))).toEqual({
      valid: true,
      checked: 5,
      first_invalid_id: null,
    });
    expect(verifySettingsChain(key, [])).toEqual({
      valid: true,
      checked: 0,
      first_invalid_id: null,
    });
  });

  it('names an edited row (any field)', () => {
    for (const field of [
      'newValue',
      'oldValue',
      'changedBy',
      'timestamp',
      'settingKey',
      'userId',
    ] as const) {
      const rows = chain(5);
      (rows[2] as unknown as Record<string, unknown>)[field] = 'tampered';
      expect({ field, result: verifySettingsChain(key, rows) }).toEqual({
        field,
        result: { valid: false, checked: 3, first_invalid_id: rows[2]!.id },
      });
    }
  });

  it('names the row after a deleted one', () => {
    const rows = chain(5);
    rows.splice(1, 1);
    expect(verifySettingsChain(key, rows).first_invalid_id).toBe(rows[1]!.id);
  });

  it('detects rows swapped, and a forged row inserted without the key', () => {
    const swapped = chain(4);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(verifySettingsChain(key, swapped).valid).toBe(false);

    const rows = chain(3);
    const forgedKey = settingsChainKey(randomBytes(32));
    const forged = { ...rows[2]!, id: randomUUID(), seq: 4, newValue: '100' };
    forged.checksum = settingsChecksum(forgedKey, forged, rows[2]!.checksum);
    expect(verifySettingsChain(key, [...rows, forged])).toEqual({
      valid: false,
      checked: 4,
      first_invalid_id: forged.id,
    });
  });

  it('keys the chain apart from the audit log (its own derivation of the audit key)', () => {
    expect(key.equals(auditKey)).toBe(false);
    expect(settingsChainKey(auditKey).equals(key)).toBe(true);
  });
});
