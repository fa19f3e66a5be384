import { parse, YAMLParseError } from 'yaml';
import type { ManifestProblem } from './manifest.types';

/** Larger than any real app definition; a catalog file beyond it is refused, not parsed. */
export const MAX_MANIFEST_BYTES = 256 * 1024;

export type ParsedDocument =
  { ok: true; value: unknown } | { ok: false; problems: ManifestProblem[] };

/**
 * Parses YAML (or JSON, a subset of it) from an untrusted catalog: size-capped, duplicate keys
 * refused, at most 100 alias expansions (no "billion laughs"), YAML 1.2 core types only.
 */
export function parseDocument(text: string, what = 'the document'): ParsedDocument {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    return {
      ok: false,
      problems: [
        { path: '(file)', message: `${what} is larger than ${MAX_MANIFEST_BYTES / 1024} KiB` },
      ],
    };
  }
  try {
    const value: unknown = parse(text, {
      maxAliasCount: 100,
      uniqueKeys: true,
      schema: 'core',
      prettyErrors: false,
    });
    return { ok: true, value };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0];
      return {
        ok: false,
        problems: [
          {
            path: line ? `(line ${line.line}, column ${line.col})` : '(file)',
            message: `${what} is not valid YAML/JSON: ${error.message.split('\n')[0]}`,
          },
        ],
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [{ path: '(file)', message: `${what} cannot be read: ${message}` }],
    };
  }
}
