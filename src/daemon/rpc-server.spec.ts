import { silentLogger } from './logger';
import { RpcError, RpcErrorCode } from './protocol';
import { RpcServer, type Channel, type MethodHandler } from './rpc-server';

class FakeChannel implements Channel {
  readonly sent: any[] = [];
  open = true;
  send(frame: string): void {
    this.sent.push(JSON.parse(frame));
  }
  isOpen(): boolean {
    return this.open;
  }
}

let nonce = 0;
function request(id: unknown, method: string, params?: unknown, extra: object = {}): string {
  nonce += 1;
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method,
    ...(params === undefined ? {} : { params }),
    timestamp: Date.now() / 1000,
    nonce: `nonce-${nonce}`,
    ...extra,
  });
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function server(methods: Record<string, MethodHandler>, concurrency = 8): RpcServer {
  return new RpcServer({
    methods: new Map(Object.entries(methods)),
    logger: silentLogger,
    concurrency,
  });
}

describe('RpcServer', () => {
  const echo: MethodHandler = (params) => Promise.resolve({ echoed: params });

  it('answers a request with its id and result, ignoring unknown extra fields', async () => {
    const ch = new FakeChannel();
    await server({ echo }).handleFrame(request('r1', 'echo', { a: 1 }, { trace: 'x' }), ch);
    expect(ch.sent).toEqual([{ jsonrpc: '2.0', id: 'r1', result: { echoed: { a: 1 } } }]);
  });

  it('passes {} when params are omitted and turns an undefined result into null', async () => {
    const ch = new FakeChannel();
    const s = server({ echo, nothing: () => Promise.resolve(undefined) });
    await s.handleFrame(request('a', 'echo'), ch);
    await s.handleFrame(request('b', 'nothing'), ch);
    expect(ch.sent[0].result).toEqual({ echoed: {} });
    expect(ch.sent[1]).toEqual({ jsonrpc: '2.0', id: 'b', result: null });
  });

  it.each([
    ['not JSON', '{"jsonrpc": ', null, RpcErrorCode.parseError],
    ['a batch', '[]', null, RpcErrorCode.invalidRequest],
    ['a string', '"hello"', null, RpcErrorCode.invalidRequest],
    ['an object id', JSON.stringify({ jsonrpc: '2.0', id: {}, method: 'echo' }), null, -32600],
    ['jsonrpc 1.0', JSON.stringify({ jsonrpc: '1.0', id: 'v', method: 'echo' }), 'v', -32600],
    ['no method', JSON.stringify({ jsonrpc: '2.0', id: 'm' }), 'm', -32600],
  ])('answers %s with an error and survives', async (_name, frame, id, code) => {
    const ch = new FakeChannel();
    const s = server({ echo });
    await s.handleFrame(frame, ch);
    expect(ch.sent).toEqual([{ jsonrpc: '2.0', id, error: expect.objectContaining({ code }) }]);
    await s.handleFrame(request('after', 'echo'), ch);
    expect(ch.sent[1].result).toBeDefined();
  });

  it('ignores frames without an id (notifications)', async () => {
    const ch = new FakeChannel();
    await server({ echo }).handleFrame(JSON.stringify({ jsonrpc: '2.0', method: 'echo' }), ch);
    expect(ch.sent).toEqual([]);
  });

  it('answers -32601 for an unknown method and -32602 for non-object params', async () => {
    const ch = new FakeChannel();
    const s = server({ echo });
    await s.handleFrame(request('x', 'no.such'), ch);
    await s.handleFrame(request('y', 'echo', [1, 2]), ch);
    expect(ch.sent[0].error).toEqual({ code: -32601, message: 'Method not found: no.such' });
    expect(ch.sent[1].error.code).toBe(-32602);
  });

  it('passes RpcError codes and data through and maps anything else to -32603', async () => {
    const ch = new FakeChannel();
    const s = server({
      blocked: () => Promise.reject(new RpcError(RpcErrorCode.policyBlocked, 'no', { rule: 'x' })),
      broken: () => Promise.reject(new Error('boom')),
      throwsSync: () => {
        throw new Error('sync boom');
      },
    });
    await s.handleFrame(request('1', 'blocked'), ch);
    await s.handleFrame(request('2', 'broken'), ch);
    await s.handleFrame(request('3', 'throwsSync'), ch);
    expect(ch.sent[0].error).toEqual({ code: -32001, message: 'no', data: { rule: 'x' } });
    expect(ch.sent[1].error).toEqual({ code: -32603, message: 'Internal error: boom' });
    expect(ch.sent[2].error.code).toBe(-32603);
  });

  it('refuses stale, future and replayed requests with -32600', async () => {
    const ch = new FakeChannel();
    const s = server({ echo });
    const now = Date.now() / 1000;
    const frame = (id: string, timestamp: number | undefined, n: string | undefined) =>
      JSON.stringify({ jsonrpc: '2.0', id, method: 'echo', timestamp, nonce: n });
    await s.handleFrame(frame('old', now - 301, 'n-old'), ch);
    await s.handleFrame(frame('future', now + 31, 'n-future'), ch);
    await s.handleFrame(frame('none', undefined, undefined), ch);
    await s.handleFrame(frame('first', now, 'n-1'), ch);
    await s.handleFrame(frame('second', now, 'n-1'), ch);
    expect(ch.sent.map((r) => [r.id, r.error?.code ?? 'ok'])).toEqual([
      ['old', -32600],
      ['future', -32600],
      ['none', -32600],
      ['first', 'ok'],
      ['second', -32600],
    ]);
    expect(ch.sent[4].error.message).toMatch(/nonce already seen/);
  });

  it('runs a repeated id once: remembered result, or -32600 while running', async () => {
    const ch = new FakeChannel();
    const gate = deferred();
    let runs = 0;
    const s = server({
      slow: async () => {
        runs += 1;
        await gate.promise;
        return { run: runs };
      },
    });
    const first = s.handleFrame(request('same', 'slow'), ch);
    await new Promise((r) => setImmediate(r));
    await s.handleFrame(request('same', 'slow'), ch);
    expect(ch.sent).toEqual([
      { jsonrpc: '2.0', id: 'same', error: expect.objectContaining({ code: -32600 }) },
    ]);
    gate.resolve();
    await first;
    await s.handleFrame(request('same', 'slow'), ch);
    expect(runs).toBe(1);
    expect(ch.sent.slice(1)).toEqual([
      { jsonrpc: '2.0', id: 'same', result: { run: 1 } },
      { jsonrpc: '2.0', id: 'same', result: { run: 1 } },
    ]);
  });

  it('runs at most 8 requests at once; the rest wait, then run', async () => {
    const ch = new FakeChannel();
    const gate = deferred();
    let active = 0;
    let peak = 0;
    const s = server({
      hold: async () => {
        active += 1;
        peak = Math.max(peak, active);
        await gate.promise;
        active -= 1;
        return 'done';
      },
    });
    const all = Array.from({ length: 12 }, (_, i) => s.handleFrame(request(`h${i}`, 'hold'), ch));
    await new Promise((r) => setTimeout(r, 20));
    expect(active).toBe(8);
    expect(s.running).toBe(8);
    gate.resolve();
    await Promise.all(all);
    expect(peak).toBe(8);
    expect(ch.sent).toHaveLength(12);
  });

  it('does not start queued requests once their connection closed, and forgets their ids', async () => {
    const ch = new FakeChannel();
    const gate = deferred();
    const ran: string[] = [];
    const s = server(
      {
        hold: async (_p, call) => {
          ran.push(String(call.id));
          await gate.promise;
          return 'ok';
        },
      },
      1,
    );
    const a = s.handleFrame(request('a', 'hold'), ch);
    const b = s.handleFrame(request('b', 'hold'), ch);
    await new Promise((r) => setImmediate(r));
    ch.open = false;
    gate.resolve();
    await Promise.all([a, b]);
    expect(ran).toEqual(['a']);
    expect(ch.sent).toEqual([]); // nothing can be delivered on a closed channel
    const ch2 = new FakeChannel();
    await s.handleFrame(request('b', 'hold'), ch2); // a retry of b on the next connection runs
    await s.handleFrame(request('a', 'hold'), ch2); // a ran: its remembered result comes back
    expect(ran).toEqual(['a', 'b']);
    expect(ch2.sent.map((r) => r.id)).toEqual(['b', 'a']);
  });

  it('turns an answer over 1 MiB into an error instead of a frame the backend would refuse', async () => {
    const ch = new FakeChannel();
    await server({ big: () => Promise.resolve('x'.repeat(1024 * 1024)) }).handleFrame(
      request('big', 'big'),
      ch,
    );
    expect(ch.sent[0].error).toEqual({
      code: -32603,
      message: expect.stringContaining('Response too large'),
    });
  });

  it('treats params: null as {} and answers an unserialisable result with -32603', async () => {
    const ch = new FakeChannel();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const s = server({ echo, cyclic: () => Promise.resolve(cyclic) });
    await s.handleFrame(request('n', 'echo', null), ch);
    await s.handleFrame(request('c', 'cyclic'), ch);
    await s.handleFrame(request('c', 'cyclic'), ch); // remembered, not stuck "running"
    expect(ch.sent[0].result).toEqual({ echoed: {} });
    expect(ch.sent[1].error).toEqual({
      code: -32603,
      message: expect.stringContaining('serialised'),
    });
    expect(ch.sent[2]).toEqual(ch.sent[1]);
  });

  it('survives a channel whose send throws', async () => {
    const s = server({ echo });
    const broken: Channel = {
      send: () => {
        throw new Error('socket gone');
      },
      isOpen: () => true,
    };
    await expect(s.handleFrame(request('t', 'echo'), broken)).resolves.toBeUndefined();
  });
});
