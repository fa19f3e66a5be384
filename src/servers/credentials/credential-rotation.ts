import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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
 * Another module's sealed data, re-sealed by its owner inside the rotation's transaction: it
 * opens each envelope with `current`, seals it with `next`, and returns how many it re-sealed and
 * under which key ids they were.
 */
export interface ResealParticipant {
  reseal(
    manager: EntityManager,
    current: SecretBox,
    next: SecretBox,
  ): Promise<{ resealed: number; fromKeyIds: string[] }>;
}

/**
 * Re-seals every stored credential under a new key in one transaction (all or nothing), and
 * audits it. `current` must open every envelope: the configured key plus an interrupted
 * rotation's key, if any.
 */
@Injectable()
export class CredentialRotation {
  private readonly participants: ResealParticipant[] = [];

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /** Modules above this one (deployment) register the sealed data they own. */
  register(participant: ResealParticipant): void {
    this.participants.push(participant);
  }

  async reseal(current: SecretBox, newKey: Buffer): Promise<RotationResult> {
    return this.transactions.run(async (manager) => {
      const outcome = await this.resealWithin(manager, current, new SecretBox([newKey]));
      const result: RotationResult = {
        resealed: outcome.resealed,
        from_key_ids: outcome.fromKeyIds,
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

  /**
   * Re-seals every sealed value reachable through `manager` (server credentials and every
   * participant's data) from `current` to `next`, inside the caller's transaction, without
   * auditing. restore_backup uses it on the prepared copy of a backup before swapping it in.
   */
  async resealWithin(
    manager: EntityManager,
    current: SecretBox,
    next: SecretBox,
  ): Promise<{ resealed: number; fromKeyIds: string[] }> {
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
    for (const participant of this.participants) {
      const outcome = await participant.reseal(manager, current, next);
      others += outcome.resealed;
      for (const id of outcome.fromKeyIds) fromKeys.add(id);
    }
    return { resealed: rows.length + others, fromKeyIds: [...fromKeys].sort() };
  }
}
