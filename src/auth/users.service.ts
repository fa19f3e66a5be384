import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere, In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/principal';
import { Role } from '../common/auth/roles';
import { Page } from '../common/dto/pagination.dto';
import { DomainError, notFound } from '../common/errors/domain-error';
import { EventBus } from '../common/events/event-bus';
import { nowIso } from '../common/time';
import { PreparedStatements } from '../database/prepared-statements';
import { TransactionRunner } from '../database/transaction-runner';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersDto } from './dto/list-users.dto';
import { ResetUserPasswordDto, UpdateUserDto, UserIdDto } from './dto/user-id.dto';
import { UserEntity } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicyService } from './password-policy.service';
import { SessionsService } from './sessions.service';
import { toUserView, UserView } from './views';

/** The columns of a UserView, read with a prepared statement (the current-user hot path). */
const USER_VIEW_SQL =
  'SELECT id, username, email, role, is_active, created_at, last_login_at FROM users WHERE id = ?';
type UserViewRow = Omit<UserView, 'is_active'> & { is_active: number | boolean };

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  email?: string | null;
}

/** User accounts; the only writer of the `users` table. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicyService,
    private readonly sessions: SessionsService,
    private readonly events: EventBus,
    private readonly statements: PreparedStatements,
  ) {}

  /** The user as callers see it, read fresh from the database (one prepared statement). */
  viewById(id: string): UserView | null {
    const row = this.statements.get<UserViewRow>(USER_VIEW_SQL, id);
    return row ? { ...row, is_active: Boolean(row.is_active) } : null;
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  async adminExists(manager?: EntityManager): Promise<boolean> {
    const repository = manager ? manager.getRepository(UserEntity) : this.users;
    return (await repository.countBy({ role: 'admin' })) > 0;
  }

  /**
   * Active users among `userIds`, plus every active admin when `admins` is set (the recipients
   * of a notification), each once.
   */
  async activeIds(
    manager: EntityManager,
    recipients: { userIds: string[]; admins: boolean },
  ): Promise<string[]> {
    const where: FindOptionsWhere<UserEntity>[] = [];
    if (recipients.userIds.length) where.push({ id: In(recipients.userIds), isActive: true });
    if (recipients.admins) where.push({ role: 'admin', isActive: true });
    if (where.length === 0) return [];
    const rows = await manager
      .getRepository(UserEntity)
      .find({ select: { id: true }, where, order: { createdAt: 'ASC' } });
    return rows.map((row) => row.id);
  }

  /** Validates and hashes before the transaction, then inserts and audits in it. */
  async prepare(input: NewUser): Promise<UserEntity> {
    await this.policy.assertAcceptable(input.password, input);
    const now = nowIso();
    return this.users.create({
      id: randomUUID(),
      username: input.username,
      email: input.email ?? null,
      role: input.role,
      passwordHash: await this.hasher.hash(input.password),
      isActive: true,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: null,
      passwordChangedAt: now,
    });
  }

  async insert(manager: EntityManager, user: UserEntity): Promise<void> {
    if (await manager.getRepository(UserEntity).existsBy({ username: user.username })) {
      throw new DomainError('CONFLICT', `A user named "${user.username}" already exists.`);
    }
    await manager.getRepository(UserEntity).insert(user);
  }

  async create(actor: Actor, dto: CreateUserDto): Promise<UserView> {
    const user = await this.prepare(dto);
    await this.transactions.run(async (manager) => {
      await this.insert(manager, user);
      await this.audit.record(
        actor,
        {
          action: 'user.created',
          targetType: 'user',
          targetId: user.id,
          details: { username: user.username, role: user.role },
        },
        manager,
      );
    });
    return toUserView(user);
  }

  async list(dto: ListUsersDto): Promise<Page<UserView>> {
    const [rows, total] = await this.users.findAndCount({
      order: { createdAt: 'ASC', username: 'ASC' },
      take: dto.limit ?? 50,
      skip: dto.offset ?? 0,
    });
    return { items: rows.map(toUserView), total };
  }

  async update(actor: Actor, dto: UpdateUserDto): Promise<UserView> {
    const updated = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(UserEntity);
      const user = await repository.findOneBy({ id: dto.user_id });
      if (!user) throw notFound('User', dto.user_id);
      const losesAdmin =
        user.role === 'admin' &&
        user.isActive &&
        ((dto.role !== undefined && dto.role !== 'admin') || dto.is_active === false);
      if (losesAdmin) await this.assertAnotherActiveAdmin(manager, user.id);
      const changes: Record<string, unknown> = {};
      const roleChanged = dto.role !== undefined && dto.role !== user.role;
      const deactivated = dto.is_active === false && user.isActive;
      if (dto.role !== undefined && dto.role !== user.role)
        changes.role = { from: user.role, to: dto.role };
      if (dto.email !== undefined && dto.email !== user.email)
        changes.email = { from: user.email, to: dto.email };
      if (dto.is_active !== undefined && dto.is_active !== user.isActive)
        changes.is_active = { from: user.isActive, to: dto.is_active };
      user.role = dto.role ?? user.role;
      user.email = dto.email ?? user.email;
      user.isActive = dto.is_active ?? user.isActive;
      user.updatedAt = nowIso();
      await repository.save(user);
      if (roleChanged || deactivated) {
        await this.sessions.revokeAllForUser(
          manager,
          user.id,
          roleChanged ? 'role_changed' : 'user_disabled',
        );
      }
      await this.audit.record(
        actor,
        {
          action: 'user.updated',
          targetType: 'user',
          targetId: user.id,
          details: { username: user.username, changes },
        },
        manager,
      );
      return user;
    });
    return toUserView(updated);
  }

  async resetPassword(actor: Actor, dto: ResetUserPasswordDto): Promise<{ success: true }> {
    const user = await this.findById(dto.user_id);
    if (!user) throw notFound('User', dto.user_id);
    await this.policy.assertAcceptable(dto.new_password, user);
    const hash = await this.hasher.hash(dto.new_password);
    await this.transactions.run(async (manager) => {
      await this.setPasswordHash(manager, user.id, hash);
      await this.sessions.revokeAllForUser(manager, user.id, 'password_reset');
      await this.audit.record(
        actor,
        {
          action: 'user.password_reset',
          targetType: 'user',
          targetId: user.id,
          details: { username: user.username },
        },
        manager,
      );
    });
    return { success: true };
  }

  async setPasswordHash(manager: EntityManager, userId: string, hash: string): Promise<void> {
    const now = nowIso();
    await manager
      .getRepository(UserEntity)
      .update({ id: userId }, { passwordHash: hash, passwordChangedAt: now, updatedAt: now });
  }

  async recordLogin(manager: EntityManager, userId: string, at: string): Promise<void> {
    await manager.getRepository(UserEntity).update({ id: userId }, { lastLoginAt: at });
  }

  async delete(actor: Actor, dto: UserIdDto): Promise<{ success: true }> {
    const user = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(UserEntity);
      const found = await repository.findOneBy({ id: dto.user_id });
      if (!found) throw notFound('User', dto.user_id);
      if (found.role === 'admin' && found.isActive)
        await this.assertAnotherActiveAdmin(manager, found.id);
      await repository.delete({ id: found.id });
      await this.audit.record(
        actor,
        {
          action: 'user.deleted',
          targetType: 'user',
          targetId: found.id,
          details: { username: found.username },
        },
        manager,
      );
      return found;
    });
    this.events.emit('user.deleted', { userId: user.id, username: user.username });
    return { success: true };
  }

  private async assertAnotherActiveAdmin(manager: EntityManager, userId: string): Promise<void> {
    const others = await manager
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .where('user.role = :role AND user.isActive = :active AND user.id <> :id', {
        role: 'admin',
        active: true,
        id: userId,
      })
      .getCount();
    if (others === 0)
      throw new DomainError(
        'CONFLICT',
        'This is the last active admin; promote another admin first.',
      );
  }
}
