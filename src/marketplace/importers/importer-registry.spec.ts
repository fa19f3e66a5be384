import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryTree } from '../catalog-tree';
import { importerFor } from './importer-registry';

const CATALOGS = join(__dirname, '../../../../shared/fixtures/catalogs');

describe('format detection (format "auto")', () => {
  it('recognises each fixture store by its layout', () => {
    const stores = readdirSync(CATALOGS, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const detected = stores.map((store) => [
      store,
      importerFor('auto', new DirectoryTree(join(CATALOGS, store))).format,
    ]);
    expect(Object.fromEntries(detected)).toEqual({
      casaos: 'casaos',
      dokploy: 'dokploy',
      portainer: 'portainer',
      runtipi: 'runtipi',
      tomo: 'tomo-legacy',
      umbrel: 'umbrel',
    });
  });

  it('says what it looked for when nothing matches', () => {
    expect(() => importerFor('auto', new DirectoryTree(join(__dirname, 'testing')))).toThrow(
      /No known catalog layout found \(looked for tomo, tomo-legacy, casaos/,
    );
  });
});
