import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { assertShellSafe, quoteArg, shellCommand } from './shell-quote';

/** Runs `sh -c '<line>'` where the line prints each of its arguments NUL-terminated. */
function roundTrip(argv: string[]): string[] {
  const line = `printf '%s\\0' ${argv.map(quoteArg).join(' ')}`;
  const output = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
  return output.split('\0').slice(0, -1);
}

const shellUnsafeFree = fc
  .string({ unit: 'binary', maxLength: 40 })
  .filter((value) => !/[\r\n\0]/.test(value) && !/[\uD800-\uDFFF]/.test(value));

describe('shell quoting', () => {
  it('round-trips any argument list through a real sh unchanged', () => {
    fc.assert(
      fc.property(fc.array(shellUnsafeFree, { minLength: 1, maxLength: 6 }), (argv) => {
        expect(roundTrip(argv)).toEqual(argv);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps metacharacters inert', () => {
    const hostile = ["'; touch /tmp/pwned; '", '$(id)', '`id`', '$HOME', '*', 'a b', '\\', '"'];
    expect(roundTrip(hostile)).toEqual(hostile);
  });

  it('builds a command line from an argument list', () => {
    expect(shellCommand(['docker', 'ps', '--format', '{{.Names}}'])).toBe(
      "'docker' 'ps' '--format' '{{.Names}}'",
    );
    expect(quoteArg("it's")).toBe("'it'\\''s'");
  });

  it.each(['a\nb', 'a\rb', 'a\0b'])('refuses CR, LF and NUL (%j)', (value) => {
    expect(() => quoteArg(value)).toThrow(/line breaks or NUL/);
    expect(() => assertShellSafe(value, 'name')).toThrow(/name must not contain/);
  });
});
