import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PasswordBlocklist } from './password/password-blocklist';
import { checkPassword } from './password/password-policy';

/** Applies the NIST SP 800-63B-4 policy to every new password, with the reason when refused. */
@Injectable()
export class PasswordPolicyService implements OnModuleInit {
  private blocklist!: Promise<PasswordBlocklist>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleInit(): void {
    // Built in a worker thread; startup does not wait for it.
    this.blocklist = PasswordBlocklist.loadPackaged();
    this.blocklist.catch(() => undefined);
  }

  async assertAcceptable(
    password: string,
    context: { username: string; email?: string | null },
  ): Promise<void> {
    const result = checkPassword(
      password,
      {
        minLength: this.config.passwordMinLength,
        contextWords: [context.username, context.email ?? ''],
      },
      await this.blocklist,
    );
    if (!result.ok) throw new DomainError('PASSWORD_REJECTED', result.reason);
  }
}
