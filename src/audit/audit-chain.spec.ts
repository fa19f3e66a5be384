import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  anchorSignature,
  auditHash,
  ChainCursor,
  ChainVerifier,
  GENESIS_HASH,
  rowContinuesChain,
} from './audit-chain';
import { AuditEntryEntity } from './audit-entry.entity';

type Row = Omit<AuditEntryEntity, 'hash'>;
const KEY = randomBytes(32);

function baseRow(overrides: Partial<Row> = {}): Row {
  return {
    id: '6d3f1c2e-7a4b-4c1d-9e2f-0a1b2c3d4e5f',
    seq: 1,
    timestamp: '2026-01-02T03:04:05.678Z',
    actorType: 'user',
    actorId: '0b6a3c1e-2d4f-4a5b-8c7d-9e0f1a2b3c4d',
    actorName: 'admin',
    interface: 'rest',
    action: 'user.created',
    targetType: 'user',
    targetId: '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5',
    result: 'success',
    ipAddress: '127.0.0.1',
    userAgent: 'curl/8.5.0',
    details: '{"username":"alice","role":"user"}',
    prevHash: GENESIS_HASH,
    ...overrides,
  };
}

function sealed(key: Buffer, row: Row): AuditEntryEntity {
  return { ...row, hash: auditHash(key, row) };
}

/** Builds a valid chain of `count` rows the way AuditService appends them. */
function chain(key: Buffer, count: number): AuditEntryEntity[] {
  const rows: AuditEntryEntity[] = [];
  for (let seq = 1; seq <= count; seq++) {
    rows.push(
      sealed(
        key,
        baseRow({
          id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
          seq,
          action: `action.${seq}`,
          prevHash: rows.at(-1)?.hash ?? GENESIS_HASH,
        }),
      ),
    );
  }
  return rows;
}

/** The id of the first row that breaks the chain, or null (what verify_audit_log reports). */
function firstInvalid(key: Buffer, rows: AuditEntryEntity[]): string | null {
  const cursor: ChainCursor = { prevHash: GENESIS_HASH, prevSeq: 0 };
  for (const row of [...rows].sort((a, b) => a.seq - b.seq)) {
    if (!rowContinuesChain(key, row, cursor)) return row.id;
    cursor.prevHash = row.hash;
    cursor.prevSeq = row.seq;
  }
  return null;
}

/** Every chained field with a generator of values for it. */
const FIELDS: { [K in keyof Row]: fc.Arbitrary<Row[K]> } = {
  id: fc.uuid(),
  seq: fc.integer({ min: 1, max: 1_000_000 }),
  timestamp: fc
    .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  actorType: fc.constantFrom('user', 'api_token', 'agent', 'system'),
  actorId: fc.option(fc.uuid()),
  actorName: fc.option(fc.string()),
  interface: fc.constantFrom('rest', 'mcp', 'ws', 'system'),
  action: fc.string({ minLength: 1 }),
  targetType: fc.option(fc.string()),
  targetId: fc.option(fc.string()),
  result: fc.constantFrom('success', 'failure'),
  ipAddress: fc.option(fc.string()),
  userAgent: fc.option(fc.string()),
  details: fc.option(fc.json()),
  prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
};
const FIELD_NAMES = Object.keys(FIELDS) as (keyof Row)[];

const rowArbitrary: fc.Arbitrary<Row> = fc.record(FIELDS);

describe('auditHash', () => {
  it('is a 64-digit hex HMAC that depends only on the key and the row', () => {
    const row = baseRow();
    expect(auditHash(KEY, row)).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash(KEY, { ...row })).toBe(auditHash(KEY, row));
  });

  it.each(FIELD_NAMES)('changes when %s changes', (field) => {
    fc.assert(
      fc.property(rowArbitrary, FIELDS[field] as fc.Arbitrary<unknown>, (row, value) => {
        fc.pre(value !== row[field]);
        const edited = { ...row, [field]: value };
        expect(auditHash(KEY, edited)).not.toBe(auditHash(KEY, row));
      }),
    );
  });

  it('tells null apart from the string "null" and an empty string', () => {
    const hashes = [null, 'null', ''].map((actorId) => auditHash(KEY, baseRow({ actorId })));
    expect(new Set(hashes).size).toBe(3);
  });

  it('does not let a value slide from one field into the next', () => {
    const a = baseRow({ targetType: 'user', targetId: 'x' });
    const b = baseRow({ targetType: 'userx', targetId: '' });
    const c = baseRow({ targetType: 'user","x', targetId: null });
    expect(new Set([a, b, c].map((row) => auditHash(KEY, row))).size).toBe(3);
  });

  it('depends on the key: another key gives another hash for every row', () => {
    fc.assert(
      fc.property(
        rowArbitrary,
        fc.uint8Array({ minLength: 32, maxLength: 64 }),
        (row, otherKey) => {
          const other = Buffer.from(otherKey);
          fc.pre(!other.equals(KEY));
          expect(auditHash(other, row)).not.toBe(auditHash(KEY, row));
        },
      ),
    );
  });
});

describe('rowContinuesChain', () => {
  it('accepts an untouched chain', () => {
    expect(firstInvalid(KEY, chain(KEY, 10))).toBeNull();
  });

  it('accepts the first row only after the genesis hash at seq 1', () => {
    const [first] = chain(KEY, 1);
    expect(rowContinuesChain(KEY, first!, { prevHash: GENESIS_HASH, prevSeq: 0 })).toBe(true);
    expect(rowContinuesChain(KEY, first!, { prevHash: GENESIS_HASH, prevSeq: 1 })).toBe(false);
    expect(rowContinuesChain(KEY, first!, { prevHash: 'f'.repeat(64), prevSeq: 0 })).toBe(false);
  });

  it('names an edited row, whatever field was edited', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom(...FIELD_NAMES.filter((f) => f !== 'seq' && f !== 'prevHash')),
        fc.string({ minLength: 1 }),
        (index, field, value) => {
          const rows = chain(KEY, 8);
          const target = rows[index]!;
          fc.pre(String(target[field]) !== value);
          const edited = { ...target, [field]: value };
          rows[index] = edited;
          expect(firstInvalid(KEY, rows)).toBe(edited.id);
        },
      ),
    );
  });

  it('names the row after a deleted one (seq gap)', () => {
    for (let index = 0; index < 7; index++) {
      const rows = chain(KEY, 8);
      const after = rows[index + 1]!;
      rows.splice(index, 1);
      expect(firstInvalid(KEY, rows)).toBe(after.id);
    }
  });

  it('detects a seq gap even when prev_hash and hash were forged with the right key', () => {
    const rows = chain(KEY, 3);
    const gap = sealed(KEY, baseRow({ id: 'gap', seq: 5, prevHash: rows[2]!.hash }));
    expect(rowContinuesChain(KEY, gap, { prevHash: rows[2]!.hash, prevSeq: 3 })).toBe(false);
    expect(firstInvalid(KEY, [...rows, gap])).toBe('gap');
  });

  it('names an inserted row whose hash was made without the key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (wrongKey) => {
        fc.pre(!Buffer.from(wrongKey).equals(KEY));
        const rows = chain(KEY, 4);
        const forged = sealed(
          Buffer.from(wrongKey),
          baseRow({ id: 'forged', seq: 5, prevHash: rows[3]!.hash }),
        );
        expect(firstInvalid(KEY, [...rows, forged])).toBe('forged');
      }),
    );
  });

  it('names an inserted row with an arbitrary hash', () => {
    const rows = chain(KEY, 4);
    const forged = {
      ...baseRow({ id: 'forged', seq: 5, prevHash: rows[3]!.hash }),
      hash: '0'.repeat(64),
    };
    expect(firstInvalid(KEY, [...rows, forged])).toBe('forged');
  });

  it('names the first of two rows whose seq were swapped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), (i, j) => {
        fc.pre(i !== j);
        const rows = chain(KEY, 8);
        const [low, high] = i < j ? [i, j] : [j, i];
        const a = rows[low]!;
        const b = rows[high]!;
        rows[low] = { ...b, seq: a.seq };
        rows[high] = { ...a, seq: b.seq };
        expect(firstInvalid(KEY, rows)).toBe(b.id);
      }),
    );
  });

  it('rejects a row verified with another key', () => {
    const rows = chain(KEY, 3);
    expect(firstInvalid(randomBytes(32), rows)).toBe(rows[0]!.id);
  });
});

describe('ChainVerifier with the anchor left by a retention purge', () => {
  const ROWS = 10;
  const PURGED = 4;

  /** A chain of 10 rows whose first 4 were purged, and the anchor the purge signed. */
  function purged(key = KEY) {
    const rows = chain(key, ROWS);
    const last = rows[PURGED - 1]!;
    const fields = {
      seq: last.seq,
      hash: last.hash,
      purgedCount: PURGED,
      purgedAt: '2026-03-01T00:00:00.000Z',
    };
    const anchor = { ...fields, signature: anchorSignature(key, fields) };
    return { all: rows, kept: rows.slice(PURGED), anchor };
  }

  function verify(anchor: ReturnType<typeof purged>['anchor'] | null, rows: AuditEntryEntity[]) {
    const verifier = new ChainVerifier(KEY, anchor);
    const sorted = [...rows].sort((a, b) => a.seq - b.seq);
    // In batches of 3, as the service reads them.
    for (let start = 0; start < sorted.length; start += 3) {
      if (!verifier.check(sorted.slice(start, start + 3))) break;
    }
    return verifier.result();
  }

  it('accepts the remaining rows from the anchor, and a whole chain without one', () => {
    const { all, kept, anchor } = purged();
    expect(verify(anchor, kept)).toEqual({
      valid: true,
      checked: ROWS - PURGED,
      first_invalid_id: null,
    });
    expect(verify(null, all)).toEqual({ valid: true, checked: ROWS, first_invalid_id: null });
    expect(verify(anchor, [])).toEqual({ valid: true, checked: 0, first_invalid_id: null });
  });

  it.each(['seq', 'hash', 'purgedCount', 'purgedAt', 'signature'] as const)(
    'names the first remaining row when the anchor’s %s was edited',
    (field) => {
      const { kept, anchor } = purged();
      const edited = {
        ...anchor,
        [field]: typeof anchor[field] === 'number' ? anchor[field] + 1 : 'f'.repeat(64),
      };
      expect(verify(edited, kept)).toEqual({
        valid: false,
        checked: 1,
        first_invalid_id: kept[0]!.id,
      });
    },
  );

  it('refuses an anchor signed with another key, even one that points at the right row', () => {
    const { kept } = purged();
    const { anchor: forged } = purged(randomBytes(32));
    const pointing = {
      ...forged,
      seq: PURGED,
      hash: kept[0]!.prevHash,
    };
    expect(verify(pointing, kept).valid).toBe(false);
  });

  it('names the first remaining row when the anchor was deleted', () => {
    const { kept } = purged();
    expect(verify(null, kept)).toEqual({
      valid: false,
      checked: 1,
      first_invalid_id: kept[0]!.id,
    });
  });

  it('names a purged row that was put back before the anchor', () => {
    const { all, kept, anchor } = purged();
    const reinserted = all[PURGED - 1]!;
    expect(verify(anchor, [reinserted, ...kept])).toEqual({
      valid: false,
      checked: 1,
      first_invalid_id: reinserted.id,
    });
    const older = all[0]!;
    expect(verify(anchor, [older, ...kept]).first_invalid_id).toBe(older.id);
  });

  it('names the row after a deleted one, first remaining row included', () => {
    for (let index = 0; index < ROWS - PURGED - 1; index++) {
      const { kept, anchor } = purged();
      const after = kept[index + 1]!;
      kept.splice(index, 1);
      expect(verify(anchor, kept)).toMatchObject({ valid: false, first_invalid_id: after.id });
    }
  });

  it('does not take a row hash for an anchor signature', () => {
    const { all, kept, anchor } = purged();
    const last = all[PURGED - 1]!;
    expect(verify({ ...anchor, signature: last.hash }, kept).valid).toBe(false);
  });
});
