import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress } from '../../marketplace/git/repository-url';
import type { Severity } from '../entities/notification.entity';
import type { OutboundNotification } from '../notification-types';

/** One channel as the sender needs it: the secret opened, nothing else. */
export interface SendTarget {
  kind: 'webhook' | 'ntfy';
  url: string;
  topic: string | null;
  secret: string | null;
}

export interface DeliveryOptions {
  /** Attempts in all (the first one included). */
  maxAttempts: number;
  /** Wait before the 2nd attempt; doubled before each next one. */
  baseDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  timeoutMs: 10_000,
};

export interface SendOptions extends DeliveryOptions {
  userAgent: string;
  /** Ends the attempt under way and the wait between attempts (shutdown). */
  signal?: AbortSignal;
  /** The DNS lookup of the connection (publicOnlyLookup() unless private targets are allowed). */
  lookup?: LookupFunction;
}

export interface DeliveryResult {
  success: boolean;
  attempts: number;
  status_code: number | null;
  error: string | null;
}

interface Request {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const NTFY_PRIORITY: Record<Severity, string> = {
  info: '3',
  success: '3',
  warning: '4',
  error: '5',
};
const NTFY_TAG: Record<Severity, string> = {
  info: 'information_source',
  success: 'white_check_mark',
  warning: 'warning',
  error: 'rotating_light',
};

/**
 * The webhook signature: `sha256=` + hex HMAC-SHA256, keyed with the channel secret, of
 * `<X-Tomo-Timestamp>.<the exact body bytes>`.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A header value: one line, and RFC 2047 encoded when it is not plain ASCII (ntfy reads it). */
function headerValue(value: string): string {
  const line = value.replace(/[\r\n]+/g, ' ').slice(0, 250);
  return /^[\x20-\x7e]*$/.test(line)
    ? line
    : `=?UTF-8?B?${Buffer.from(line, 'utf8').toString('base64')}?=`;
}

export function buildRequest(
  target: SendTarget,
  notification: OutboundNotification,
  userAgent: string,
  now: Date = new Date(),
): Request {
  if (target.kind === 'webhook') {
    const body = JSON.stringify(notification);
    const timestamp = String(Math.floor(now.getTime() / 1000));
    return {
      url: target.url,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': userAgent,
        'x-tomo-event': notification.type,
        'x-tomo-delivery': notification.id,
        'x-tomo-timestamp': timestamp,
        'x-tomo-signature': webhookSignature(target.secret ?? '', timestamp, body),
      },
    };
  }
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    'user-agent': userAgent,
    title: headerValue(notification.title),
    priority: NTFY_PRIORITY[notification.severity],
    tags: `${NTFY_TAG[notification.severity]},${notification.type.replace(/[^A-Za-z0-9_.-]/g, '')}`,
  };
  if (notification.link) headers.click = headerValue(notification.link);
  if (target.secret) headers.authorization = `Bearer ${target.secret}`;
  return {
    url: `${target.url.replace(/\/+$/, '')}/${target.topic ?? ''}`,
    body: notification.message,
    headers,
  };
}

type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string }
  | { kind: 'give_up'; status: number | null; error: string };

/** 2xx: delivered; 408, 429 and 5xx: worth another attempt; anything else: give up. */
export function judgeStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const error = `the receiver answered HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', status, error };
  return { kind: 'give_up', status, error };
}

/**
 * Sends one notification to one channel, with retries and exponential backoff
 * (base, 2·base, 4·base … between attempts). Redirects are not followed (a redirect could lead
 * past the private-address check). `signal` (shutdown) ends the attempt under way and the wait.
 */
export async function deliver(
  target: SendTarget,
  notification: OutboundNotification,
  options: SendOptions,
  beforeAttempt: () => Promise<void> = () => Promise.resolve(),
): Promise<DeliveryResult> {
  let last: AttemptOutcome = { kind: 'retry', status: null, error: 'not attempted' };
  let attempts = 0;
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    if (attempt > 1) {
      await sleep(options.baseDelayMs * 2 ** (attempt - 2), options.signal);
      if (options.signal?.aborted) break;
    }
    attempts = attempt;
    last = await attemptOnce(target, notification, options, beforeAttempt);
    if (last.kind !== 'retry') break;
  }
  return last.kind === 'delivered'
    ? { success: true, attempts, status_code: last.status, error: null }
    : {
        success: false,
        attempts,
        status_code: last.status,
        error: attempts > 1 ? `${last.error} (after ${attempts} attempts)` : last.error,
      };
}

async function attemptOnce(
  target: SendTarget,
  notification: OutboundNotification,
  options: SendOptions,
  beforeAttempt: () => Promise<void>,
): Promise<AttemptOutcome> {
  try {
    await beforeAttempt();
  } catch (error) {
    return { kind: 'give_up', status: null, error: messageOf(error) };
  }
  const request = buildRequest(target, notification, options.userAgent);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const status = await post(request, {
      signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    return judgeStatus(status);
  } catch (error) {
    if (codeOf(error) === PRIVATE_ADDRESS) {
      return { kind: 'give_up', status: null, error: messageOf(error) };
    }
    return {
      kind: 'retry',
      status: null,
      error: timeout.aborted
        ? `no answer within ${Math.round(options.timeoutMs / 1000)} s`
        : `could not connect: ${codeOf(error) ?? messageOf(error)}`,
    };
  }
}

/** One POST; resolves with the status once the answer has been read (and dropped). */
function post(
  request: Request,
  options: { signal: AbortSignal; lookup?: LookupFunction },
): Promise<number> {
  const url = new URL(request.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
        signal: options.signal,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(request.body);
  });
}

const PRIVATE_ADDRESS = 'TOMO_PRIVATE_ADDRESS';

/**
 * A DNS lookup that refuses a name resolving to a loopback, link-local or private address: the
 * check applies to the very address connected to, so a name that changes its answer between
 * the check and the connection (DNS rebinding) gets nowhere.
 */
export function publicOnlyLookup(): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses;
      const blocked = list.find((entry) => isPrivateAddress(entry.address));
      if (blocked || list.length === 0) {
        const refused = Object.assign(
          new Error(
            `url: "${hostname}" resolves to ${blocked?.address ?? 'nothing'}, a loopback, link-local or private address; Tomo refuses those unless the system setting notifications.allow_private_targets is on.`,
          ),
          { code: PRIVATE_ADDRESS },
        );
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as AllCallback)(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

type LookupCallback = (error: Error | null, address: string, family: number) => void;
type AllCallback = (error: Error | null, addresses: LookupAddress[]) => void;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Duck-typed: an error from another realm (a test runner's) fails `instanceof Error`. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}
