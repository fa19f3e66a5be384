import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutboundNotification } from '../notification-types';
import {
  buildRequest,
  deliver,
  judgeStatus,
  publicOnlyLookup,
  webhookSignature,
} from './channel-sender';

const NOTIFICATION: OutboundNotification = {
  id: '2b1f3c5e-4a8b-4c6d-9e0f-1a2b3c4d5e6f',
  type: 'app.failed',
  severity: 'error',
  title: 'Grafana – failed',
  message: 'Installing Grafana failed',
  link: 'https://tomo.example/api/v1/apps/1',
  created_at: '2026-11-25T10:00:00.000Z',
};

describe('webhook signature', () => {
  it('is the HMAC-SHA256 of "<timestamp>.<body>" with the channel secret', () => {
    const expected = createHmac('sha256', 'k'.repeat(16))
      .update('1700000000.{"a":1}')
      .digest('hex');
    expect(webhookSignature('k'.repeat(16), '1700000000', '{"a":1}')).toBe(`sha256=${expected}`);
  });

  it('signs the exact body it sends, with the timestamp header', () => {
    const request = buildRequest(
      { kind: 'webhook', url: 'https://hooks.example/x', topic: null, secret: 's'.repeat(20) },
      NOTIFICATION,
      'Tomo/test',
      new Date(1_700_000_000_123),
    );
    expect(JSON.parse(request.body)).toEqual(NOTIFICATION);
    expect(request.headers['x-tomo-timestamp']).toBe('1700000000');
    expect(request.headers['x-tomo-signature']).toBe(
      webhookSignature('s'.repeat(20), '1700000000', request.body),
    );
  });
});

describe('ntfy request', () => {
  it('posts the message to <url>/<topic> with Title, Priority, Tags, Click and the token', () => {
    const request = buildRequest(
      { kind: 'ntfy', url: 'https://ntfy.example/', topic: 'ops', secret: 'tk_abc' },
      NOTIFICATION,
      'Tomo/test',
    );
    expect(request.url).toBe('https://ntfy.example/ops');
    expect(request.body).toBe('Installing Grafana failed');
    expect(request.headers).toMatchObject({
      priority: '5',
      tags: 'rotating_light,app.failed',
      click: 'https://tomo.example/api/v1/apps/1',
      authorization: 'Bearer tk_abc',
    });
    // Not plain ASCII: RFC 2047 encoded, which ntfy decodes.
    expect(request.headers.title).toBe(
      `=?UTF-8?B?${Buffer.from('Grafana – failed').toString('base64')}?=`,
    );
  });

  it('sends no Authorization without a token and keeps header values on one line', () => {
    const request = buildRequest(
      { kind: 'ntfy', url: 'https://ntfy.example', topic: 'ops', secret: null },
      { ...NOTIFICATION, title: 'two\r\nlines', link: null },
      'Tomo/test',
    );
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers.click).toBeUndefined();
    expect(request.headers.title).toBe('two lines');
  });
});

describe('status judgement', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'give_up'],
    [400, 'give_up'],
    [404, 'give_up'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ])('%i → %s', (status, kind) => {
    expect(judgeStatus(status).kind).toBe(kind);
  });
});

describe('delivery with retries (a receiver on 127.0.0.1)', () => {
  let server: Server;
  let url: string;
  let answers: number[];
  let received: IncomingMessage[];

  beforeEach(async () => {
    answers = [];
    received = [];
    server = createServer((request, response) => {
      received.push(request);
      request.resume();
      request.on('end', () => {
        response.statusCode = answers.shift() ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const target = () => ({
    kind: 'webhook' as const,
    url,
    topic: null,
    secret: 'x'.repeat(16),
  });
  const options = { maxAttempts: 5, baseDelayMs: 5, timeoutMs: 2000, userAgent: 'Tomo/test' };

  it('retries after 500s and stops at the first 2xx', async () => {
    answers = [500, 503, 200];
    const result = await deliver(target(), NOTIFICATION, options);
    expect(result).toEqual({ success: true, attempts: 3, status_code: 200, error: null });
    expect(received).toHaveLength(3);
  });

  it('gives up at once on a 4xx other than 408/429', async () => {
    answers = [403];
    const result = await deliver(target(), NOTIFICATION, options);
    expect(result).toMatchObject({ success: false, attempts: 1, status_code: 403 });
    expect(received).toHaveLength(1);
  });

  it('stops after the last attempt and says how many were made', async () => {
    answers = [500, 500, 500, 500, 500, 500];
    const result = await deliver(target(), NOTIFICATION, { ...options, maxAttempts: 3 });
    expect(result).toMatchObject({ success: false, attempts: 3, status_code: 500 });
    expect(result.error).toMatch(/HTTP 500 \(after 3 attempts\)/);
  });

  it('counts a refused connection as worth retrying', async () => {
    await new Promise((resolve) => server.close(resolve));
    const result = await deliver(target(), NOTIFICATION, { ...options, maxAttempts: 2 });
    expect(result).toMatchObject({ success: false, attempts: 2, status_code: null });
    expect(result.error).toMatch(/could not connect: ECONNREFUSED/);
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  it('shutting down ends the attempt under way and the waits', async () => {
    answers = [500];
    const stopping = new AbortController();
    const silent = createServer(() => stopping.abort());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const result = await deliver({ ...target(), url: `http://127.0.0.1:${port}/` }, NOTIFICATION, {
      ...options,
      baseDelayMs: 60_000,
      timeoutMs: 60_000,
      signal: stopping.signal,
    });
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
    expect(result).toMatchObject({ success: false, attempts: 1, status_code: null });
  });

  it('the connection itself refuses a name that resolves to a private address', async () => {
    const byName = { ...target(), url: url.replace('127.0.0.1', 'localhost') };
    const refused = await deliver(byName, NOTIFICATION, { ...options, lookup: publicOnlyLookup() });
    expect(refused).toMatchObject({ success: false, attempts: 1, status_code: null });
    expect(refused.error).toMatch(/"localhost" resolves to .*notifications.allow_private_targets/);
    expect(received).toHaveLength(0);
    // Without the guard (private targets allowed) the same name is delivered to.
    expect((await deliver(byName, NOTIFICATION, options)).success).toBe(true);
  });

  it('a refused target (the address check before each attempt) is not sent', async () => {
    const result = await deliver(target(), NOTIFICATION, options, () =>
      Promise.reject(new Error('url: private address')),
    );
    expect(result).toMatchObject({ success: false, attempts: 1, error: 'url: private address' });
    expect(received).toHaveLength(0);
  });
});
