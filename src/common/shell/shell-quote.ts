import { DomainError } from '../errors/domain-error';

const FORBIDDEN = /[\r\n\0]/;

/**
 * Refuses CR, LF and NUL in a value that will reach a shell, an env file or a compose file:
 * they would end a line, a command or a C string where the value was meant to be one word.
 */
export function assertShellSafe(value: string, name: string): void {
  if (FORBIDDEN.test(value)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${name} must not contain line breaks or NUL characters.`,
    );
  }
}

/** One argument as a POSIX shell single-quoted word: `it's` → `'it'\''s'`. */
export function quoteArg(value: string): string {
  assertShellSafe(value, 'a command argument');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A command line built from an argument list, every argument single-quoted, so no argument can
 * start another command, expand a variable or glob. The only way Tomo itself builds commands.
 */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellCommand needs at least the program name');
  return argv.map(quoteArg).join(' ');
}
