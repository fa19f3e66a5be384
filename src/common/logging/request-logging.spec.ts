import fc from 'fast-check';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import type { Logger } from 'pino';
import { pinoHttp, Options } from 'pino-http';
import { pinoOptions } from './pino-options';
import { requestId, requestLogging } from './request-logging';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function requestWith(headers: Record<string, string | string[]>): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.headers = headers;
  return request;
}

describe('requestId', () => {
  it('keeps a well-formed incoming X-Request-Id and echoes it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), (incoming) => {
        const request = requestWith({ 'x-request-id': incoming });
        const response = new ServerResponse(request);
        expect(requestId(request, response)).toBe(incoming);
        expect(response.getHeader('x-request-id')).toBe(incoming);
      }),
    );
  });

  it('replaces a malformed X-Request-Id (CR/LF, too long, empty, spaces, unicode) with a UUID', () => {
    const malformed = fc.oneof(
      fc
        .tuple(fc.string(), fc.constantFrom('\r', '\n', '\r\n', '\u2028', '\0'), fc.string())
        .map(([a, b, c]) => a + b + c),
      fc.stringMatching(/^[A-Za-z0-9._-]{65,200}$/),
      fc.constantFrom('', ' ', 'abc def', 'id;drop', 'ünïcode', 'x\r\nSet-Cookie: a=b'),
    );
    fc.assert(
      fc.property(malformed, (incoming) => {
        const request = requestWith({ 'x-request-id': incoming });
        const response = new ServerResponse(request);
        const id = requestId(request, response);
        expect(id).toMatch(UUID);
        expect(response.getHeader('x-request-id')).toBe(id);
      }),
    );
  });

  it('gives a new UUID to each request without an X-Request-Id, or with several', () => {
    const ids = new Set<string>();
    const cases: Record<string, string[]>[] = [{}, {}, { 'x-request-id': ['a', 'b'] }];
    for (const headers of cases) {
      const request = requestWith(headers);
      const response = new ServerResponse(request);
      const id = requestId(request, response);
      expect(id).toMatch(UUID);
      expect(response.getHeader('x-request-id')).toBe(id);
      ids.add(id);
    }
    expect(ids.size).toBe(3);
  });
});

interface Line {
  level: number;
  msg: string;
  req?: { id: string; method: string; url: string };
  interface?: string;
  res?: { statusCode: number };
  responseTime?: number;
  err?: { message: string };
  step?: string;
}

/**
 * A server behind requestLogging with the root logger nestjs-pino builds from pinoOptions (pino-http's
 * factory). GET /status/<n> answers n; /inside logs a line after an await, as a service would.
 */
async function startServer(level: string) {
  let output = '';
  const logger: Logger = pinoHttp(pinoOptions(level).pinoHttp as Options, {
    write: (chunk: string) => void (output += chunk),
  }).logger;
  const middleware = requestLogging(() => logger);
  const server: Server = createServer((request, response) => {
    middleware(request, response, () => {
      void (async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (request.url === '/inside') logger.info({ step: 'inside' }, 'working');
        const status = /^\/status\/(\d+)/.exec(request.url ?? '')?.[1];
        response.statusCode = status ? Number(status) : 200;
        response.end('ok');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    logger,
    /** What was written since the last request was sent. */
    written: () => output,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    /** Sends one request; resolves with the response and the lines logged for it. */
    async send(path: string, headers: Record<string, string> = {}) {
      output = '';
      const response = await fetch(base + path, { headers });
      await response.text();
      await new Promise((resolve) => setImmediate(resolve));
      const lines = output
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Line);
      return { response, lines, text: output };
    },
  };
}

describe('requestLogging over real HTTP, at info', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => (server = await startServer('info')));
  afterAll(() => server.close());

  it('writes one "request completed" line with the fields pino-http wrote', async () => {
    const { response, lines } = await server.send('/x?page=2');
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      req: { id, method: 'GET', url: '/x?page=2' },
      interface: 'http',
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
  });

  it('keeps a well-formed X-Request-Id in the response header and the log line', async () => {
    const { response, lines } = await server.send('/x', { 'x-request-id': 'trace-42.abc_DEF' });
    expect(response.headers.get('x-request-id')).toBe('trace-42.abc_DEF');
    expect(lines[0]?.req?.id).toBe('trace-42.abc_DEF');
  });

  it('replaces a too long X-Request-Id with a UUID in the header and the log line', async () => {
    const { response, lines } = await server.send('/x', { 'x-request-id': 'a'.repeat(65) });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    expect(lines[0]?.req?.id).toBe(response.headers.get('x-request-id'));
  });

  it('does not log the Authorization header, cookies, or a password or token in the URL', async () => {
    const token = 'tomo_' + 'Z'.repeat(40);
    const { lines, text } = await server.send(`/x?user=bob&password=hunter2hunter2&key=${token}`, {
      authorization: `Bearer ${token}`,
      cookie: 'session=cookie-secret-value',
    });
    for (const secret of [token, 'hunter2hunter2', 'cookie-secret-value'])
      expect(text).not.toContain(secret);
    expect(lines[0]?.req?.url).toContain('/x?user=bob');
  });

  it('names the request on a line logged while serving it, and not on one logged outside', async () => {
    const { response, lines } = await server.send('/inside');
    const inside = lines.find((line) => line.step === 'inside');
    expect(inside).toMatchObject({
      msg: 'working',
      req: { id: response.headers.get('x-request-id'), method: 'GET', url: '/inside' },
      interface: 'http',
    });
    expect(lines.filter((line) => line.msg === 'request completed')).toHaveLength(1);
    server.logger.info({ step: 'outside' }, 'idle');
    const outside = JSON.parse(server.written().trim().split('\n').pop()!) as Line;
    expect(outside).toMatchObject({ step: 'outside', msg: 'idle' });
    expect(outside).not.toHaveProperty('req');
    expect(outside).not.toHaveProperty('interface');
  });

  it('logs a 5xx answer as "request errored" with an error', async () => {
    const { lines } = await server.send('/status/503');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request errored',
      res: { statusCode: 503 },
      err: { message: 'failed with status code 503' },
    });
  });

  it('does not log the health probes', async () => {
    for (const path of ['/health', '/health/ready']) {
      const { response, lines } = await server.send(path);
      expect(response.headers.get('x-request-id')).toMatch(UUID);
      expect(lines).toEqual([]);
    }
  });
});

describe('requestLogging with info off', () => {
  it('still gives every request an id, and logs nothing', async () => {
    for (const level of ['warn', 'silent']) {
      const server = await startServer(level);
      try {
        const { response, text } = await server.send('/inside');
        expect(response.headers.get('x-request-id')).toMatch(UUID);
        expect(text).toBe('');
      } finally {
        await server.close();
      }
    }
  });
});
