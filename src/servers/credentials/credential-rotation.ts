import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { SYSTEM_ACTOR } from '../../common/auth/principal';
import { keyId, SecretBox } from '../../common/crypto/secret-box';
import { TransactionRunner } from '../../database/transaction-runner';
import { ServerEntity } from '../server.entity';
import { credentialAad } from './server-credentials';

export interface RotationResult {
  resealed: number;
  from_key_ids: string[];
  to_key_id: string;
}

/**
 * Sealed columns outside the servers table, re-sealed in the same transaction. The associated
 * data must match what their owners seal with (deployment: apps.service.ts `inputsAad`).
 */
const OTHER_SEALED_COLUMNS = [
  { table: 'installed_apps', column: 'inputs', aad: (id: string) => `installed_apps:${id}:inputs` },
] as const;

/**
 * Re-seals every stored credential under a new key in one transaction (all or nothing), and
 * audits it. `current` must open every envelope: the configured key plus an interrupted
 * rotation's key, if any.
 */
@Injectable()
export class CredentialRotation {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async reseal(current: SecretBox, newKey: Buffer): Promise<RotationResult> {
    const next = new SecretBox([newKey]);
    return this.transactions.run(async (manager) => {
      const repository = manager.getRepository(ServerEntity);
      const rows = await repository.find({
        select: { id: true, credential: true, passphrase: true },
      });
      const fromKeys = new Set<string>();
      for (const row of rows) {
        for (const envelope of [row.credential, row.passphrase]) {
          if (envelope) fromKeys.add(envelope.split(':')[1] ?? '?');
        }
        const reseal = (envelope: string, column: 'credential' | 'passphrase') =>
          next.seal(
            current.open(envelope, credentialAad(row.id, column)),
            credentialAad(row.id, column),
          );
        await repository.update(
          { id: row.id },
          {
            credential: reseal(row.credential, 'credential'),
            passphrase: row.passphrase ? reseal(row.passphrase, 'passphrase') : null,
          },
        );
      }
      let others = 0;
      for (const sealed of OTHER_SEALED_COLUMNS) {
        const sealedRows = await manager.query<{ id: string; value: string }[]>(
          `SELECT id, ${sealed.column} AS value FROM ${sealed.table}`,
        );
        for (const row of sealedRows) {
          fromKeys.add(row.value.split(':')[1] ?? '?');
          const aad = sealed.aad(row.id);
          await manager.query(`UPDATE ${sealed.table} SET ${sealed.column} = ? WHERE id = ?`, [
            next.seal(current.open(row.value, aad), aad),
            row.id,
          ]);
          others += 1;
        }
      }
      const result: RotationResult = {
        resealed: rows.length + others,
        from_key_ids: [...fromKeys].sort(),
        to_key_id: keyId(newKey),
      };
      await this.audit.record(
        SYSTEM_ACTOR,
        {
          action: 'encryption_key.rotated',
          targetType: 'encryption_key',
          targetId: result.to_key_id,
          details: { ...result },
        },
        manager,
      );
      return result;
    });
  }
}
