import fc from 'fast-check';
import { pino } from 'pino';
import { pinoHttp, Options } from 'pino-http';
import { LogTee, pinoOptions } from '../common/logging/pino-options';
import { isAccessLine, MAX_CONTEXT_LENGTH, MAX_MESSAGE_LENGTH, toLogRow } from './log-line';

/** A logger built the way Tomo builds it (persist on), teeing into a tee whose lines we keep. */
function teedLogger(level = 'info') {
  const tee = new LogTee();
  const lines: string[] = [];
  tee.attach((line) => lines.push(line));
  const params = pinoOptions(level, true, tee).pinoHttp as [Options, pino.DestinationStream];
  // stdout is the first stream of the multistream; keep tests quiet by silencing it.
  const streams = params[1] as unknown as { streams: { stream: { write: unknown } }[] };
  streams.streams[0]!.stream.write = () => true;
  return { logger: pinoHttp(params[0], params[1]).logger, lines };
}

describe('toLogRow', () => {
  it('turns a pino line into a row: level name, source from the context, the rest as context', () => {
    const row = toLogRow(
      JSON.stringify({
        level: 40,
        time: Date.parse('2026-05-01T10:00:00.000Z'),
        pid: 1,
        hostname: 'h',
        context: 'AgentGateway',
        agentId: 'a1',
        req: { id: 'req-7', method: 'GET', url: '/x' },
        interface: 'http',
        msg: 'agent connection lost',
      }),
    );
    expect(row).toEqual({
      timestamp: '2026-05-01T10:00:00.000Z',
      level: 'warn',
      source: 'AgentGateway',
      message: 'agent connection lost',
      context: JSON.stringify({ agentId: 'a1' }),
      requestId: 'req-7',
    });
  });

  it('skips what is not an application event of level info or above', () => {
    const line = (fields: object) => JSON.stringify({ time: 1, msg: 'm', ...fields });
    expect(toLogRow(line({ level: 20 }))).toBeNull();
    expect(toLogRow(line({ level: 10 }))).toBeNull();
    expect(toLogRow(line({ level: 30, res: { statusCode: 200 }, responseTime: 3 }))).toBeNull();
    expect(toLogRow(line({ level: 30, context: 'RouterExplorer' }))).toBeNull();
    expect(toLogRow(line({ level: 40, context: 'RouterExplorer' }))).not.toBeNull();
    expect(toLogRow('not json')).toBeNull();
    expect(toLogRow('[1,2]')).toBeNull();
    expect(toLogRow(line({ level: 30 }))).toMatchObject({ source: 'app', context: null });
  });

  it('cuts very long messages and contexts', () => {
    const row = toLogRow(
      JSON.stringify({ level: 30, time: 1, msg: 'm'.repeat(10_000), big: 'x'.repeat(20_000) }),
    )!;
    expect(row.message.length).toBe(MAX_MESSAGE_LENGTH);
    expect(row.context!.length).toBeLessThanOrEqual(MAX_CONTEXT_LENGTH);
    expect(JSON.parse(row.context!)).toMatchObject({ truncated: true });
  });

  it('redacts secrets left in a line (keys and text)', () => {
    const row = toLogRow(
      JSON.stringify({
        level: 50,
        time: 1,
        msg: 'token=abcdefgh1234 failed',
        nested: { password: 'p4ssw0rd-p4ssw0rd' },
      }),
    )!;
    expect(JSON.stringify(row)).not.toMatch(/abcdefgh1234|p4ssw0rd/);
  });
});

describe('the logger, the tee and toLogRow together', () => {
  it('never stores a secret from any logged object, and one row per event whatever CR/LF it holds', () => {
    const { logger, lines } = teedLogger();
    fc.assert(
      fc.property(
        fc.string({ minLength: 8 }).filter((s) => /^[A-Za-z0-9]+$/.test(s)),
        fc.string(),
        fc.constantFrom('password', 'token', 'api_key', 'secret', 'passphrase'),
        (secret, message, key) => {
          lines.length = 0;
          logger.child({ context: 'Probe' }).warn({ nested: { [key]: secret } }, message);
          expect(lines).toHaveLength(1);
          const row = toLogRow(lines[0]!)!;
          expect(row.source).toBe('Probe');
          expect(row.context).not.toContain(secret);
          expect(row.message).not.toContain('\u2028');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('passes events of info and above to the tee, and the access lines are recognised', () => {
    const { logger, lines } = teedLogger('debug');
    logger.debug('not persisted');
    logger.info(
      { req: { id: 'r1' }, interface: 'http', res: { statusCode: 200 }, responseTime: 2 },
      'request completed',
    );
    logger.info('kept');
    expect(lines).toHaveLength(2);
    expect(isAccessLine(lines[0]!)).toBe(true);
    expect(isAccessLine(lines[1]!)).toBe(false);
    expect(toLogRow(lines[1]!)).toMatchObject({ message: 'kept', level: 'info' });
  });

  it('sends nothing to the tee at level silent', () => {
    const params = pinoOptions('silent', true, new LogTee()).pinoHttp;
    expect(Array.isArray(params)).toBe(false);
  });
});

describe('LogTee', () => {
  it('keeps the first lines until a consumer attaches, then hands lines to the last attached', () => {
    const tee = new LogTee();
    tee.write('a');
    tee.write('b');
    const first: string[] = [];
    const detachFirst = tee.attach((line) => first.push(line));
    expect(first).toEqual(['a', 'b']);
    const second: string[] = [];
    const detachSecond = tee.attach((line) => second.push(line));
    tee.write('c');
    detachSecond();
    tee.write('d');
    detachFirst();
    expect(first).toEqual(['a', 'b', 'd']);
    expect(second).toEqual(['c']);
  });

  it('keeps at most 1000 lines while no consumer is attached', () => {
    const tee = new LogTee();
    for (let i = 0; i < 1500; i++) tee.write(String(i));
    const seen: string[] = [];
    tee.attach((line) => seen.push(line));
    expect(seen).toHaveLength(1000);
    expect(seen[0]).toBe('0');
  });
});
