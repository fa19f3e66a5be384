import { DomainError } from '../../common/errors/domain-error';
import type { RepositoryFormat } from '../entities/marketplace-repository.entity';
import type { CatalogImporter, CatalogTree } from './importer';
import { CasaosImporter } from './casaos.importer';
import { DokployImporter } from './dokploy.importer';
import { PortainerImporter } from './portainer.importer';
import { RuntipiImporter } from './runtipi.importer';
import { TomoLegacyImporter } from './tomo-legacy.importer';
import { TomoImporter } from './tomo.importer';
import { UmbrelImporter } from './umbrel.importer';

/** Every format Tomo reads, in the order `auto` tries them. */
export const IMPORTERS: readonly CatalogImporter[] = [
  new TomoImporter(),
  new TomoLegacyImporter(),
  new CasaosImporter(),
  new RuntipiImporter(),
  new UmbrelImporter(),
  new DokployImporter(),
  new PortainerImporter(),
];

/** The importer for a repository: the one named, or the first whose layout matches. */
export function importerFor(format: RepositoryFormat, tree: CatalogTree): CatalogImporter {
  if (format !== 'auto') {
    const named = IMPORTERS.find((importer) => importer.format === format);
    if (!named) {
      throw new DomainError('VALIDATION_FAILED', `format "${format}" is not supported.`);
    }
    return named;
  }
  const detected = IMPORTERS.find((importer) => importer.detect(tree));
  if (!detected) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `No known catalog layout found (looked for ${IMPORTERS.map((importer) => importer.format).join(', ')}); set format explicitly if the repository uses one.`,
    );
  }
  return detected;
}
