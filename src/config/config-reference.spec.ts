import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigReference } from './config-reference';

describe('docs/configuration.md', () => {
  it('matches the environment schema (run `npm run docs:config` after changing it)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(committed).toBe(renderConfigReference());
  });
});
