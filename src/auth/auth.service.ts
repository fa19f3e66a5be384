import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Actor, principalOf } from '../common/auth/principal';
import { DomainError, notFound } from '../common/errors/domain-error';
import { EventBus } from '../common/events/event-bus';
import { TransactionRunner } from '../database/transaction-runner';
import { AccountLockService } from './account-lock.service';
import { ChangePasswordDto } from './dto/account.dto';
import { CreateInitialAdminDto } from './dto/create-user.dto';
import { LoginDto } from './dto/login.dto';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicyService } from './password-policy.service';
import { SessionTokens } from './session-tokens';
import { SessionsService } from './sessions.service';
import { UsersService } from './users.service';
import { LoginResult, toUserView, UserView } from './views';

const BAD_CREDENTIALS = 'Invalid username or password.';

/** Login, logout, the current user, password change and the first-admin door. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly locks: AccountLockService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicyService,
    private readonly tokens: SessionTokens,
    private readonly rateLimiter: LoginRateLimiter,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: EventBus,
  ) {}

  /**
   * Unknown user, wrong password and inactive user all get the same answer after one bcrypt
   * comparison. A locked account is refused whether or not it exists.
   */
  async login(actor: Actor, dto: LoginDto): Promise<LoginResult> {
    try {
      await this.rateLimiter.consume(actor.ip);
    } catch (error) {
      await this.audit.record(actor, {
        action: 'auth.login',
        result: 'failure',
        actorName: dto.username,
        details: { reason: 'rate_limited' },
      });
      throw error;
    }
    const user = await this.users.findByUsername(dto.username);
    const matched = await this.hasher.verify(dto.password, user?.passwordHash ?? null);
    const lockedUntil = await this.locks.lockedUntil(dto.username);
    if (lockedUntil) {
      await this.audit.record(actor, {
        action: 'auth.login',
        result: 'failure',
        actorName: dto.username,
        details: { reason: 'locked' },
      });
      throw new DomainError(
        'ACCOUNT_LOCKED',
        `Too many failed logins; this account is locked until ${lockedUntil}.`,
        { locked_until: lockedUntil },
      );
    }
    if (!user || !matched || !user.isActive) {
      const locked = await this.transactions.run(async (manager) => {
        const lock = await this.locks.recordFailure(manager, dto.username);
        await this.audit.record(
          actor,
          {
            action: 'auth.login',
            result: 'failure',
            actorName: dto.username,
            targetType: 'user',
            targetId: user?.id ?? null,
            details: { reason: 'bad_credentials' },
          },
          manager,
        );
        if (lock)
          await this.audit.record(
            actor,
            {
              action: 'account.locked',
              targetType: 'account',
              targetId: dto.username,
              details: { attempts: lock.failedAttempts, locked_until: lock.lockedUntil },
            },
            manager,
          );
        return lock;
      });
      if (locked?.lockedUntil)
        this.events.emit('account.locked', {
          username: locked.username,
          userId: user?.id ?? null,
          lockedUntil: locked.lockedUntil,
          attempts: locked.failedAttempts,
        });
      throw new DomainError('UNAUTHORIZED', BAD_CREDENTIALS);
    }
    const session = await this.transactions.run(async (manager) => {
      await this.locks.clear(manager, user.username);
      const opened = await this.sessions.open(manager, user.id, actor);
      user.lastLoginAt = opened.createdAt;
      await this.users.recordLogin(manager, user.id, opened.createdAt);
      await this.audit.record(
        {
          ...actor,
          principal: {
            kind: 'user',
            userId: user.id,
            username: user.username,
            role: user.role,
            sessionId: opened.id,
            readOnly: false,
          },
        },
        { action: 'auth.login', targetType: 'session', targetId: opened.id },
        manager,
      );
      return opened;
    });
    return {
      token: this.tokens.sign(user.id, session.id, session.expiresAt),
      token_type: 'Bearer',
      expires_at: session.expiresAt,
      user: toUserView(user),
    };
  }

  async logout(actor: Actor): Promise<{ success: true }> {
    const principal = principalOf(actor);
    await this.transactions.run(async (manager) => {
      if (principal.sessionId) await this.sessions.revoke(manager, principal.sessionId, 'logout');
      await this.audit.record(
        actor,
        { action: 'auth.logout', targetType: 'session', targetId: principal.sessionId ?? null },
        manager,
      );
    });
    // Live sockets of this session close now rather than at their next credential check.
    if (principal.sessionId) {
      this.events.emit('session.revoked', {
        sessionId: principal.sessionId,
        userId: principal.userId,
        reason: 'logout',
      });
    }
    return { success: true };
  }

  currentUser(actor: Actor): UserView {
    const principal = principalOf(actor);
    const account = principal.account;
    // The row this request's credential check read, unless a write has ended since: then (and
    // for principals built without it) it is read again.
    if (account && account.readAtVersion === this.transactions.version) {
      return {
        id: principal.userId,
        username: principal.username,
        email: account.email,
        role: principal.role,
        is_active: account.isActive,
        created_at: account.createdAt,
        last_login_at: account.lastLoginAt,
      };
    }
    const user = this.users.viewById(principal.userId);
    if (!user) throw notFound('User', principal.userId);
    return user;
  }

  /** Ends every other session of the user (and every session when called with an API token). */
  async changePassword(actor: Actor, dto: ChangePasswordDto): Promise<{ success: true }> {
    const principal = principalOf(actor);
    const user = await this.users.findById(principal.userId);
    if (!user) throw notFound('User', principal.userId);
    if (!(await this.hasher.verify(dto.current_password, user.passwordHash))) {
      await this.audit.record(actor, {
        action: 'auth.password_changed',
        result: 'failure',
        targetType: 'user',
        targetId: user.id,
        details: { reason: 'wrong_current_password' },
      });
      throw new DomainError('UNAUTHORIZED', 'The current password is wrong.');
    }
    if (dto.new_password === dto.current_password) {
      throw new DomainError(
        'PASSWORD_REJECTED',
        'The new password must differ from the current one.',
      );
    }
    await this.policy.assertAcceptable(dto.new_password, user);
    const hash = await this.hasher.hash(dto.new_password);
    const revoked = await this.transactions.run(async (manager) => {
      await this.users.setPasswordHash(manager, user.id, hash);
      const ended = await this.sessions.revokeAllForUser(
        manager,
        user.id,
        'password_changed',
        principal.sessionId,
      );
      await this.audit.record(
        actor,
        { action: 'auth.password_changed', targetType: 'user', targetId: user.id },
        manager,
      );
      return ended;
    });
    for (const sessionId of revoked) {
      this.events.emit('session.revoked', {
        sessionId,
        userId: user.id,
        reason: 'password_changed',
      });
    }
    return { success: true };
  }

  /** The first-run door: open only while no admin exists, closed for good afterwards. */
  async createInitialAdmin(actor: Actor, dto: CreateInitialAdminDto): Promise<UserView> {
    if (await this.users.adminExists()) throw this.setupClosed();
    const user = await this.users.prepare({ ...dto, role: 'admin' });
    await this.transactions.run(async (manager) => {
      if (await this.users.adminExists(manager)) throw this.setupClosed();
      await this.users.insert(manager, user);
      await this.audit.record(
        actor,
        {
          action: 'auth.setup',
          targetType: 'user',
          targetId: user.id,
          actorName: user.username,
          details: { username: user.username },
        },
        manager,
      );
    });
    return toUserView(user);
  }

  private setupClosed(): DomainError {
    return new DomainError(
      'SETUP_CLOSED',
      'An admin already exists; initial setup is closed. Log in as an admin to create users.',
    );
  }
}
