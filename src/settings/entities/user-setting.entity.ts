import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../../auth/entities/user.entity';

/** One user's override of a user-scoped setting; it goes with the user. */
@Entity('user_settings')
export class UserSettingEntity {
  @PrimaryColumn('varchar', { name: 'user_id', length: 36 })
  userId!: string;

  @PrimaryColumn('varchar', { length: 128 })
  key!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** JSON of the typed value, or a SecretBox envelope for a secret-type key. */
  @Column('text')
  value!: string;

  @Column('integer')
  version!: number;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;

  @Column('varchar', { name: 'updated_by', length: 128 })
  updatedBy!: string;
}
