import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SecretBox } from '../common/crypto/secret-box';
import { CredentialRotation, ResealParticipant } from '../servers/credentials/credential-rotation';
import { InstalledAppEntity } from './entities/installed-app.entity';

const aad = (installationId: string) => `installed_apps:${installationId}:inputs`;

/**
 * An installation's resolved input values (generated passwords among them), sealed with the
 * encryption key in `installed_apps.inputs`, and re-sealed by `tomo rotate-encryption-key`.
 */
@Injectable()
export class InstallationInputs implements ResealParticipant, OnModuleInit {
  constructor(
    private readonly box: SecretBox,
    private readonly rotation: CredentialRotation,
  ) {}

  onModuleInit(): void {
    this.rotation.register(this);
  }

  seal(installationId: string, inputs: Record<string, string>): string {
    return this.box.seal(JSON.stringify(inputs), aad(installationId));
  }

  open(row: Pick<InstalledAppEntity, 'id' | 'inputs'>): Record<string, string> {
    return JSON.parse(this.box.open(row.inputs, aad(row.id))) as Record<string, string>;
  }

  async reseal(manager: EntityManager, current: SecretBox, next: SecretBox) {
    const apps = manager.getRepository(InstalledAppEntity);
    const rows = await apps.find({ select: { id: true, inputs: true } });
    const fromKeyIds = new Set<string>();
    for (const row of rows) {
      fromKeyIds.add(row.inputs.split(':')[1] ?? '?');
      const inputs = next.seal(current.open(row.inputs, aad(row.id)), aad(row.id));
      await apps.update({ id: row.id }, { inputs });
    }
    return { resealed: rows.length, fromKeyIds: [...fromKeyIds] };
  }
}
