import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DomainError } from '../../common/errors/domain-error';
import { isPrivateAddress } from '../../marketplace/git/repository-url';

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

function invalid(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `url: ${message}`);
}

/** An http(s) URL without credentials, fragment or control characters. */
export function parseTargetUrl(raw: string): URL {
  if ([...raw].some((char) => char.charCodeAt(0) < 0x21 || char.charCodeAt(0) === 0x7f)) {
    throw invalid('must not contain spaces or control characters');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`the scheme "${url.protocol.replace(/:$/, '')}" is not allowed (http, https)`);
  }
  if (url.username || url.password) {
    throw invalid('must not carry credentials; put a token in the channel secret instead');
  }
  if (url.hash) throw invalid('must not have a fragment');
  if (!url.hostname) throw invalid('needs a host');
  return url;
}

/**
 * Refuses a target whose host resolves (any of its addresses) to a loopback, link-local, private
 * or reserved range unless such targets are allowed (the SSRF guard of marketplace remotes).
 */
export async function assertPublicTarget(
  url: URL,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw invalid(`the host "${host}" does not resolve`);
  }
  const blocked = addresses.find(isPrivateAddress);
  if (blocked) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `url: "${host}" resolves to ${blocked}, a loopback, link-local or private address; Tomo refuses those unless the system setting notifications.allow_private_targets is on.`,
    );
  }
}
