import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

export const REPOSITORY_FORMATS = [
  'auto',
  'tomo',
  'tomo-legacy',
  'casaos',
  'runtipi',
  'umbrel',
  'dokploy',
  'portainer',
] as const;
export type RepositoryFormat = (typeof REPOSITORY_FORMATS)[number];

/** A git repository of apps (or the built-in catalog, `url` "builtin:"). */
@Entity('marketplace_repositories')
@Unique('uq_marketplace_repositories_slug', ['slug'])
export class MarketplaceRepositoryEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id!: string;

  @Column('varchar', { length: 128 })
  name!: string;

  /** Prefix of its apps' catalog ids (`<slug>/<app id>`); fixed at creation. */
  @Column('varchar', { length: 64 })
  slug!: string;

  @Column('varchar', { length: 2048 })
  url!: string;

  @Column('varchar', { length: 200 })
  branch!: string;

  @Column('varchar', { length: 16 })
  format!: RepositoryFormat;

  /** What `auto` found at the last sync. */
  @Column('varchar', { name: 'detected_format', length: 16, nullable: true })
  detectedFormat!: string | null;

  @Column('boolean')
  enabled!: boolean;

  @Column('varchar', { name: 'last_commit', length: 64, nullable: true })
  lastCommit!: string | null;

  @Column('varchar', { name: 'last_synced_at', length: 30, nullable: true })
  lastSyncedAt!: string | null;

  @Column('varchar', { name: 'last_sync_error', length: 1024, nullable: true })
  lastSyncError!: string | null;

  @Column('integer', { name: 'app_count', default: 0 })
  appCount!: number;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;
}
