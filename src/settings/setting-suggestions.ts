import { SETTING_DEFINITIONS } from './setting-definitions';

/** Known keys close to a mistyped one: same last part, one contains the other, or a few edits away. */
export function suggestions(key: string): string[] {
  const wanted = key.toLowerCase();
  const last = wanted.split('.').pop() ?? wanted;
  return Object.keys(SETTING_DEFINITIONS)
    .filter(
      (known) =>
        known.endsWith(`.${last}`) ||
        (wanted.length >= 4 && (known.includes(wanted) || wanted.includes(known))) ||
        editDistance(known, wanted) <= 3,
    )
    .slice(0, 3);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
