import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ServerEntity } from '../../servers/server.entity';

export const INSTALLATION_STATUSES = [
  'pending',
  'pulling',
  'creating',
  'starting',
  'running',
  'stopped',
  'failed',
  'uninstalling',
  'removed',
] as const;
export type InstallationStatus = (typeof INSTALLATION_STATUSES)[number];

/** One app installed (or being installed) on one server. */
@Entity('installed_apps')
@Index('idx_installed_apps_server_id', ['serverId'])
export class InstalledAppEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { name: 'server_id', length: 36 })
  serverId!: string;

  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: ServerEntity;

  /** The catalog id (`builtin/uptime-kuma`) or, for deploy_app, `custom/<manifest id>`. */
  @Column('varchar', { name: 'app_id', length: 160 })
  appId!: string;

  @Column('varchar', { length: 128 })
  name!: string;

  @Column('varchar', { length: 64 })
  version!: string;

  @Column('varchar', { length: 16 })
  status!: InstallationStatus;

  /** The route the last operation used. */
  @Column('varchar', { length: 8, nullable: true })
  method!: 'agent' | 'ssh' | null;

  /** The deployed manifest, JSON. */
  @Column('text')
  manifest!: string;

  /** The caller's config without input values, JSON. */
  @Column('text')
  config!: string;

  /** The resolved input values, JSON sealed with the encryption key (they hold secrets). */
  @Column('text')
  inputs!: string;

  /** JSON: [{name, container_id, image, state, health, ports}]. */
  @Column('text')
  services!: string;

  /** JSON: [{name, status, started_at, finished_at, error}]. */
  @Column('text')
  steps!: string;

  @Column('varchar', { length: 2048, nullable: true })
  error!: string | null;

  /** Which set of containers is current: 0 at install, one more per update (`<name>.<n>`). */
  @Column('integer', { default: 0 })
  generation!: number;

  /** While update_app runs: JSON {version, generation} of the target (recovery after a restart). */
  @Column('text', { name: 'update_target', nullable: true })
  updateTarget!: string | null;

  /** The apps.data_root this installation was made with (null: made before it was recorded). */
  @Column('varchar', { name: 'data_root', length: 255, nullable: true })
  dataRoot!: string | null;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;
}
