import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_SCHEMA } from './manifest.schema';

/** `npm run schema:manifest`: publishes the manifest's JSON Schema for catalog authors. */
export function manifestSchemaText(): string {
  return `${JSON.stringify(MANIFEST_SCHEMA, null, 2)}\n`;
}

if (require.main === module) {
  const target = join(process.cwd(), 'schemas', 'app-manifest.schema.json');
  writeFileSync(target, manifestSchemaText());
  process.stdout.write(`wrote ${target}\n`);
}
