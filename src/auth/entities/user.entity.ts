import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { Role } from '../../common/auth/roles';

@Entity('users')
@Unique('uq_users_username', ['username'])
export class UserEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { length: 64 })
  username!: string;

  @Column('varchar', { length: 254, nullable: true })
  email!: string | null;

  @Column('varchar', { name: 'password_hash', length: 100 })
  passwordHash!: string;

  @Column('varchar', { length: 16 })
  role!: Role;

  @Column('boolean', { name: 'is_active', default: true })
  isActive!: boolean;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;

  @Column('varchar', { name: 'last_login_at', length: 30, nullable: true })
  lastLoginAt!: string | null;

  @Column('varchar', { name: 'password_changed_at', length: 30 })
  passwordChangedAt!: string;
}
