import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The version of each part Tomo is made of (tomo, schema, node, sqlite, typeorm…), written at
 * startup. `updated_at` is when this version was first seen; `details` (JSON) keeps the version
 * it replaced, so an upgrade leaves a trace.
 */
@Entity('component_versions')
export class ComponentVersionEntity {
  @PrimaryColumn('varchar', { length: 64 })
  component!: string;

  @Column('varchar', { length: 128 })
  version!: string;

  @Column('varchar', { name: 'updated_at', length: 30 })
  updatedAt!: string;

  @Column('text', { nullable: true })
  details!: string | null;
}
