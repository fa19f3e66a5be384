import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogTree } from './importers/importer';

/** Catalog files larger than this are not read (no app definition comes close). */
export const MAX_CATALOG_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 50_000;

/**
 * A checkout on disk as a CatalogTree: regular files only (symlinks are neither followed nor
 * listed, so nothing outside the checkout is reachable), `.git` skipped, listed once.
 */
export class DirectoryTree implements CatalogTree {
  private readonly listed: string[] = [];
  private readonly known: Set<string>;

  constructor(private readonly root: string) {
    this.walk('');
    this.listed.sort();
    this.known = new Set(this.listed);
  }

  files(): readonly string[] {
    return this.listed;
  }

  read(path: string): string | undefined {
    if (!this.known.has(path)) return undefined;
    const full = join(this.root, path);
    const stat = lstatSync(full, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > MAX_CATALOG_FILE_BYTES) return undefined;
    return readFileSync(full, 'utf8');
  }

  private walk(relative: string): void {
    for (const entry of readdirSync(join(this.root, relative), { withFileTypes: true })) {
      if (this.listed.length >= MAX_FILES) return;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '.git') this.walk(path);
      } else if (entry.isFile()) {
        this.listed.push(path);
      }
    }
  }
}
