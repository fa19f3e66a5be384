import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryTree, MAX_CATALOG_FILE_BYTES } from './catalog-tree';

describe('DirectoryTree', () => {
  let base: string;
  let root: string;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'catalog-tree-'));
    root = join(base, 'catalog');
    mkdirSync(join(root, 'Apps/B'), { recursive: true });
    mkdirSync(join(root, 'Apps/a'), { recursive: true });
    mkdirSync(join(root, '.git'), { recursive: true });
    writeFileSync(join(root, 'Apps/B/docker-compose.yml'), 'services: {}\n');
    writeFileSync(join(root, 'Apps/a/app.yml'), 'é\n');
    writeFileSync(join(root, '.git/HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(root, 'big.json'), Buffer.alloc(MAX_CATALOG_FILE_BYTES + 1, 0x20));
    writeFileSync(join(base, 'secret.txt'), 'outside\n');
    symlinkSync('../secret.txt', join(root, 'escape.txt'));
    symlinkSync('Apps/a/app.yml', join(root, 'inside.yml'));
    symlinkSync('Apps', join(root, 'linked-dir'));
    symlinkSync('missing', join(root, 'dangling'));
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('lists regular files by relative POSIX path, sorted, without .git or any symlink', () => {
    expect(new DirectoryTree(root).files()).toEqual([
      'Apps/B/docker-compose.yml',
      'Apps/a/app.yml',
      'big.json',
    ]);
  });

  it('reads files as UTF-8 and nothing else', () => {
    const tree = new DirectoryTree(root);
    expect(tree.read('Apps/a/app.yml')).toBe('é\n');
    for (const path of [
      'escape.txt',
      'inside.yml',
      '../secret.txt',
      'Apps/../../secret.txt',
      './Apps/a/app.yml',
      '/etc/hostname',
      'Apps\\a\\app.yml',
      'Apps/a',
      'dangling',
      'big.json',
      'nothing.yml',
      '',
    ]) {
      expect([path, tree.read(path)]).toEqual([path, undefined]);
    }
  });
});
