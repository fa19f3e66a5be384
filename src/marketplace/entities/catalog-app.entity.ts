import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MarketplaceRepositoryEntity } from './marketplace-repository.entity';

/** One app of a synced catalog: its validated manifest and what search needs. */
@Entity('app_catalog')
@Index('idx_app_catalog_repository_id', ['repositoryId'])
@Index('idx_app_catalog_app_id', ['appId'])
@Index('idx_app_catalog_category', ['category'])
export class CatalogAppEntity {
  /** `<repository slug>/<manifest id>`, unique across repositories. */
  @PrimaryColumn('varchar', { length: 160 })
  id!: string;

  @Column('varchar', { name: 'repository_id', length: 36 })
  repositoryId!: string;

  @ManyToOne(() => MarketplaceRepositoryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'repository_id' })
  repository?: MarketplaceRepositoryEntity;

  /** The manifest's own id. */
  @Column('varchar', { name: 'app_id', length: 64 })
  appId!: string;

  @Column('varchar', { length: 128 })
  name!: string;

  @Column('varchar', { length: 64 })
  version!: string;

  @Column('text')
  description!: string;

  @Column('varchar', { length: 32 })
  category!: string;

  /** JSON array of strings. */
  @Column('text')
  tags!: string;

  @Column('varchar', { length: 2048, nullable: true })
  icon!: string | null;

  @Column('boolean', { name: 'admin_only' })
  adminOnly!: boolean;

  @Column('varchar', { length: 16 })
  format!: string;

  @Column('varchar', { name: 'source_path', length: 1024 })
  sourcePath!: string;

  @Column('varchar', { name: 'source_commit', length: 64, nullable: true })
  sourceCommit!: string | null;

  /** The validated manifest, JSON. */
  @Column('text')
  manifest!: string;

  @Column('varchar', { name: 'manifest_sha256', length: 64 })
  manifestSha256!: string;

  /** JSON array: what the importer changed or left out. */
  @Column('text')
  notes!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;
}
