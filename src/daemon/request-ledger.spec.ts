import type { RpcResponse } from './protocol';
import { RequestLedger } from './request-ledger';

const ok = (id: string, result: unknown): RpcResponse => ({ jsonrpc: '2.0', id, result });

describe('RequestLedger (at most once)', () => {
  let nowMs = 0;
  let ledger: RequestLedger;

  beforeEach(() => {
    nowMs = 1_000_000;
    ledger = new RequestLedger({ nowMs: () => nowMs });
  });

  it('runs a new id, reports it running, then returns the remembered response', () => {
    expect(ledger.begin('a')).toEqual({ state: 'new' });
    expect(ledger.begin('a')).toEqual({ state: 'running' });
    ledger.complete('a', ok('a', { stdout: 'hi' }), 30);
    expect(ledger.begin('a')).toEqual({ state: 'done', response: ok('a', { stdout: 'hi' }) });
  });

  it('remembers error responses too', () => {
    ledger.begin('e');
    const error: RpcResponse = { jsonrpc: '2.0', id: 'e', error: { code: -32003, message: 'x' } };
    ledger.complete('e', error, 10);
    expect(ledger.begin('e')).toEqual({ state: 'done', response: error });
  });

  it('keeps ids apart by type', () => {
    ledger.begin('1');
    expect(ledger.begin(1)).toEqual({ state: 'new' });
  });

  it('forgets results 10 minutes after they completed', () => {
    ledger.begin('a');
    nowMs += 5 * 60_000;
    ledger.complete('a', ok('a', 1), 10);
    nowMs += 9 * 60_000;
    expect(ledger.begin('a').state).toBe('done');
    nowMs += 61_000;
    expect(ledger.begin('a')).toEqual({ state: 'new' });
  });

  it('never expires a request that is still running', () => {
    ledger.begin('slow');
    nowMs += 60 * 60_000;
    expect(ledger.begin('slow')).toEqual({ state: 'running' });
  });

  it('forgets an id on request, so a request that never ran can run later', () => {
    ledger.begin('q');
    ledger.forget('q');
    expect(ledger.begin('q')).toEqual({ state: 'new' });
  });

  it('over its byte budget drops the oldest bodies but keeps refusing their ids', () => {
    const small = new RequestLedger({ nowMs: () => nowMs, maxBytes: 100 });
    small.begin('a');
    small.complete('a', ok('a', 'A'), 60);
    small.begin('b');
    small.complete('b', ok('b', 'B'), 60);
    expect(small.bytes).toBeLessThanOrEqual(100);
    const a = small.begin('a');
    expect(a).toEqual({
      state: 'done',
      response: {
        jsonrpc: '2.0',
        id: 'a',
        error: { code: -32600, message: expect.stringContaining('already executed') },
      },
    });
    expect(small.begin('b')).toEqual({ state: 'done', response: ok('b', 'B') });
  });
});
