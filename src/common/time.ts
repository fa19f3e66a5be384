/** Times are stored and returned as ISO-8601 UTC strings. */
export const nowIso = (): string => new Date().toISOString();
export const isoPlusSeconds = (iso: string, seconds: number): string =>
  new Date(Date.parse(iso) + seconds * 1000).toISOString();
