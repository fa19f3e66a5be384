import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function gitAvailable(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A real git repository (bare, served by file:// or a git daemon) that a test commits to. */
export class CatalogRepo {
  readonly bare: string;
  private readonly work: string;

  constructor(root: string) {
    this.bare = join(root, 'catalog.git');
    this.work = join(root, 'work');
    this.git(root, 'init', '--bare', '--initial-branch=main', this.bare);
    this.git(root, 'clone', '-q', this.bare, this.work);
  }

  write(path: string, text: string): void {
    mkdirSync(join(this.work, path, '..'), { recursive: true });
    writeFileSync(join(this.work, path), text);
  }

  remove(path: string): void {
    this.git(this.work, 'rm', '-q', path);
  }

  commit(message: string): string {
    this.git(this.work, 'add', '-A');
    this.git(this.work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', message);
    this.git(this.work, 'push', '-q', 'origin', 'HEAD:main');
    return this.git(this.work, 'rev-parse', 'HEAD').trim();
  }

  private git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, encoding: 'utf8' });
  }
}
