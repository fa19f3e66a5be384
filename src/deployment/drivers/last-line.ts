import { redactText } from '../../common/security/redact';

/** The last two non-empty lines of a command's output, redacted: the message a person needs. */
export function lastLine(output: string): string {
  return (
    redactText(output)
      .trim()
      .split('\n')
      .filter((line) => line.trim())
      .slice(-2)
      .join(' | ')
      .slice(-400) || '(no output)'
  );
}
