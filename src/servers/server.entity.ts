import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

export const SERVER_STATUSES = [
  'online',
  'unreachable',
  'auth_failed',
  'host_key_changed',
] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

export const AUTH_TYPES = ['password', 'key'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** A server reached over SSH. `credential` and `passphrase` hold sealed envelopes only. */
@Entity('servers')
@Index('idx_servers_status', ['status'])
@Unique('uq_servers_endpoint', ['hostname', 'port', 'username'])
export class ServerEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { length: 128 })
  name!: string;

  @Column('varchar', { length: 253 })
  hostname!: string;

  @Column('integer')
  port!: number;

  @Column('varchar', { length: 32 })
  username!: string;

  @Column('varchar', { name: 'auth_type', length: 16 })
  authType!: AuthType;

  /** Sealed password or private key (SecretBox envelope). */
  @Column('text')
  credential!: string;

  /** Sealed passphrase of an encrypted private key. */
  @Column('text', { nullable: true })
  passphrase!: string | null;

  @Column('varchar', { length: 32 })
  status!: ServerStatus;

  /** Why the last connection attempt failed (no secrets: built from error codes). */
  @Column('varchar', { name: 'status_error', length: 512, nullable: true })
  statusError!: string | null;

  /** The pinned host key, `SHA256:<base64>` as OpenSSH prints it. */
  @Column('varchar', { name: 'host_key_fingerprint', length: 64, nullable: true })
  hostKeyFingerprint!: string | null;

  /** The different key the server offered when the pinned one no longer matched. */
  @Column('varchar', { name: 'offered_host_key_fingerprint', length: 64, nullable: true })
  offeredHostKeyFingerprint!: string | null;

  @Column('boolean', { name: 'docker_installed', default: false })
  dockerInstalled!: boolean;

  @Column('varchar', { name: 'docker_version', length: 64, nullable: true })
  dockerVersion!: string | null;

  @Column('varchar', { length: 128, nullable: true })
  os!: string | null;

  @Column('varchar', { length: 32, nullable: true })
  arch!: string | null;

  @Column('varchar', { name: 'last_seen_at', length: 30, nullable: true })
  lastSeenAt!: string | null;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;
}
