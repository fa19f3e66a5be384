import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { COMPILED_PATH, compileCatalog } from './builtin-catalog-file';

/** `npm run build`: validates catalog/ and writes dist/catalog/builtin.json; fails on a bad app. */
const compiled = compileCatalog();
if (!compiled) {
  process.stderr.write('built-in catalog: catalog/ not found\n');
  process.exit(1);
}
for (const app of compiled.invalid)
  process.stderr.write(`built-in catalog: ${app.path}: ${app.reason}\n`);
if (compiled.invalid.length > 0) process.exit(1);
mkdirSync(dirname(COMPILED_PATH), { recursive: true });
writeFileSync(COMPILED_PATH, JSON.stringify(compiled));
process.stdout.write(
  `built-in catalog: ${compiled.apps.length} apps → dist/catalog/builtin.json\n`,
);
