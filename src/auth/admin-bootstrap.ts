import { Inject, Injectable } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/auth/principal';
import { randomToken } from '../common/crypto/tokens';
import { DomainError } from '../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from '../database/transaction-runner';
import { UsersService } from './users.service';

export type AdminBootstrapOutcome =
  | { kind: 'existing' }
  | { kind: 'from-environment'; username: string }
  | { kind: 'generated'; username: string; passwordFile: string }
  | { kind: 'setup-required' };

export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';

/**
 * First start: while no admin exists, create one from TOMO_ADMIN_USERNAME/PASSWORD, or with a
 * generated password written to <DATA_DIRECTORY>/initial-admin-password (0600), or leave the
 * setup door (POST /api/v1/setup) open when TOMO_GENERATE_ADMIN=false.
 */
@Injectable()
export class AdminBootstrap {
  constructor(
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(): Promise<AdminBootstrapOutcome> {
    if (await this.users.adminExists()) return { kind: 'existing' };
    const { username, password, generate } = this.config.admin;
    if (username) {
      try {
        await this.create(username, password, 'environment');
      } catch (error) {
        if (error instanceof DomainError) {
          throw new Error(
            `TOMO_ADMIN_USERNAME/TOMO_ADMIN_PASSWORD are not acceptable: ${error.message}`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
      return { kind: 'from-environment', username };
    }
    if (!generate) return { kind: 'setup-required' };
    const generatedName = (await this.users.findByUsername('admin')) ? 'tomo-admin' : 'admin';
    const generatedPassword = randomToken(24);
    await this.create(generatedName, generatedPassword, 'generated');
    const passwordFile = join(this.config.dataDirectory, INITIAL_ADMIN_PASSWORD_FILE);
    writeFileSync(passwordFile, `${generatedPassword}\n`, { mode: 0o600 });
    return { kind: 'generated', username: generatedName, passwordFile };
  }

  private async create(username: string, password: string, source: string): Promise<void> {
    const user = await this.users.prepare({ username, password, role: 'admin' });
    await this.transactions.run(async (manager) => {
      await this.users.insert(manager, user);
      await this.audit.record(
        SYSTEM_ACTOR,
        {
          action: 'auth.setup',
          targetType: 'user',
          targetId: user.id,
          details: { username, source },
        },
        manager,
      );
    });
  }
}
