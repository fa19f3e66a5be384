import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsTable, TABLE_END, TABLE_START } from './settings-reference';

const DOC = join(__dirname, '..', '..', 'docs', 'settings.md');

describe('docs/settings.md', () => {
  it('lists every setting as the registry defines it (UPDATE_DOCS=1 rewrites the table)', () => {
    const committed = readFileSync(DOC, 'utf8');
    const start = committed.indexOf(TABLE_START);
    const end = committed.indexOf(TABLE_END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const table = committed.slice(start, end + TABLE_END.length);
    if (process.env.UPDATE_DOCS === '1' && table !== renderSettingsTable()) {
      writeFileSync(DOC, committed.replace(table, renderSettingsTable()));
      return;
    }
    expect(table).toBe(renderSettingsTable());
  });
});
