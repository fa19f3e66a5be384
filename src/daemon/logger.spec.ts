import { createLogger, redact } from './logger';

describe('logger', () => {
  it('writes one JSON object per line with time, level and event', () => {
    const lines: string[] = [];
    const logger = createLogger(
      (line) => lines.push(line),
      () => new Date('2026-11-25T00:00:00Z'),
    );
    logger.info('connection.open', { handshake: 'register' });
    expect(lines).toEqual([
      '{"time":"2026-11-25T00:00:00.000Z","level":"info","event":"connection.open","handshake":"register"}\n',
    ]);
  });

  it('never writes fields that look like credentials', () => {
    expect(
      redact({
        token: 't',
        new_token: 'n',
        code: 'c',
        register_code: 'r',
        password: 'p',
        exit_code: 0,
        close_code: 4003,
        error_code: -32600,
        method: 'agent.ping',
      }),
    ).toEqual({
      token: '[redacted]',
      new_token: '[redacted]',
      code: '[redacted]',
      register_code: '[redacted]',
      password: '[redacted]',
      exit_code: 0,
      close_code: 4003,
      error_code: -32600,
      method: 'agent.ping',
    });
  });

  it('survives fields that cannot be serialised', () => {
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    createLogger((line) => lines.push(line)).warn('odd', { cyclic });
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      event: 'odd',
      note: 'unserialisable fields',
    });
  });
});
