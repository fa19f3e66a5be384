import type { RawData } from 'ws';

/** ws hands over a Buffer, an ArrayBuffer or fragments, depending on how the frame arrived. */
export function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** A text frame's JSON, or undefined when it is not JSON. */
export function parseFrame(data: RawData): unknown {
  try {
    return JSON.parse(rawText(data)) as unknown;
  } catch {
    return undefined;
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
