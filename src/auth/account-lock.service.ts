import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/principal';
import { Page } from '../common/dto/pagination.dto';
import { notFound } from '../common/errors/domain-error';
import { isoPlusSeconds, nowIso } from '../common/time';
import { TransactionRunner } from '../database/transaction-runner';
import { SettingsService } from '../settings/settings.service';
import { AccountLockEntity } from './entities/account-lock.entity';
import { LockedAccountView, toLockedAccountView } from './views';

/**
 * Failed logins per username, whether or not the user exists (so that a lock says nothing
 * about existence). The only writer of `account_locks`. The policy comes from the settings
 * security.max_login_attempts and security.account_lockout_duration.
 */
@Injectable()
export class AccountLockService {
  constructor(
    @InjectRepository(AccountLockEntity) private readonly locks: Repository<AccountLockEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly settings: SettingsService,
  ) {}

  async lockedUntil(username: string): Promise<string | null> {
    const lock = await this.locks.findOneBy({ username });
    return lock?.lockedUntil && Date.parse(lock.lockedUntil) > Date.now() ? lock.lockedUntil : null;
  }

  /** Counts a failure; returns the lock when this failure locked the account. */
  async recordFailure(manager: EntityManager, username: string): Promise<AccountLockEntity | null> {
    const repository = manager.getRepository(AccountLockEntity);
    const now = nowIso();
    const lock =
      (await repository.findOneBy({ username })) ??
      repository.create({ username, failedAttempts: 0, lockedUntil: null, lastFailureAt: now });
    // A lock that has run out starts a fresh count.
    if (lock.lockedUntil && Date.parse(lock.lockedUntil) <= Date.now()) {
      lock.failedAttempts = 0;
      lock.lockedUntil = null;
    }
    lock.failedAttempts += 1;
    lock.lastFailureAt = now;
    // The policy is read at each failure, so a changed setting applies to the next one.
    const maxAttempts = this.settings.get('security.max_login_attempts');
    const locksNow = lock.failedAttempts >= maxAttempts && !lock.lockedUntil;
    if (locksNow) {
      lock.lockedUntil = isoPlusSeconds(
        now,
        this.settings.get('security.account_lockout_duration'),
      );
    }
    await repository.save(lock);
    return locksNow ? lock : null;
  }

  async clear(manager: EntityManager, username: string): Promise<void> {
    await manager.getRepository(AccountLockEntity).delete({ username });
  }

  async listLocked(): Promise<Page<LockedAccountView>> {
    const rows = await this.locks.find({
      where: { lockedUntil: MoreThan(nowIso()) },
      order: { lockedUntil: 'DESC' },
    });
    return { items: rows.map(toLockedAccountView), total: rows.length };
  }

  async unlock(actor: Actor, username: string): Promise<{ success: true }> {
    await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(AccountLockEntity);
      const lock = await repository.findOneBy({ username });
      if (!lock) throw notFound('Locked account', username);
      await repository.delete({ username });
      await this.audit.record(
        actor,
        { action: 'account.unlocked', targetType: 'account', targetId: username },
        manager,
      );
    });
    return { success: true };
  }
}
