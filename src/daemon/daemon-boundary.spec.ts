import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { AGENT_VERSION } from './version';

/**
 * tomo-agent ships on its own: its code may import Node's built-ins, its own files and the
 * production dependencies below, and nothing else from the project.
 */
const ALLOWED_PACKAGES = ['ws', 'dockerode'];
const ROOT = __dirname;
const REPO = resolve(ROOT, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
    ...text.matchAll(/\brequire\(\s*'([^']+)'\s*\)/g),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ];
  return found.map((m) => m[1] as string);
}

describe('daemon boundary', () => {
  const files = sources(ROOT);

  it('finds the daemon sources', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(
      expect.arrayContaining(['main.ts', 'container-policy.ts', 'methods/docker-run.ts']),
    );
  });

  it.each(sources(ROOT).map((f) => [relative(ROOT, f), f]))(
    '%s imports only the daemon, Node and its own dependencies',
    (_name, file) => {
      for (const specifier of imports(file)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          expect(relative(ROOT, target).startsWith('..')).toBe(false);
        } else {
          const isBuiltin =
            specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');
          expect(isBuiltin || ALLOWED_PACKAGES.includes(specifier)).toBe(true);
        }
      }
    },
  );

  it('depends only on packages the project ships as production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    for (const name of ALLOWED_PACKAGES) expect(pkg.dependencies).toHaveProperty(name);
  });

  it('reports the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(AGENT_VERSION).toBe(pkg.version);
  });
});
