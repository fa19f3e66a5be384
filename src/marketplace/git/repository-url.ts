import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DomainError } from '../../common/errors/domain-error';

export type RepositoryTransport = 'https' | 'ssh' | 'git' | 'file';

export interface RepositoryLocation {
  transport: RepositoryTransport;
  /** The host git will connect to; null for file://. */
  host: string | null;
}

/** scp-like `user@host:path` (no scheme, a colon before any slash). */
const SCP_LIKE =
  /^(?<user>[A-Za-z0-9._-]{1,64})@(?<host>[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\]):(?<path>[A-Za-z0-9._~/-][^\s]*)$/;

function invalid(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `url: ${message}`);
}

/**
 * Parses a repository URL into what git will do with it: https://, ssh://, git://, file:// or
 * scp-like `user@host:path`. Nothing that git could read as an option or a helper command
 * (`-…`, `ext::`, `fd::`) or that carries credentials or control characters gets through.
 */
export function parseRepositoryUrl(url: string): RepositoryLocation {
  if (url.length === 0 || url.length > 2048) throw invalid('must be 1 to 2048 characters');
  if ([...url].some((char) => char.charCodeAt(0) < 0x21 || char.charCodeAt(0) === 0x7f))
    throw invalid('must not contain spaces or control characters');
  if (url.startsWith('-')) throw invalid('must not start with "-"');
  const scp = SCP_LIKE.exec(url);
  if (scp?.groups && !url.includes('://')) {
    return { transport: 'ssh', host: scp.groups.host!.replace(/^\[|\]$/g, '') };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(
      'must be an https://, ssh://, git:// or file:// URL, or user@host:path (scp-like)',
    );
  }
  const schemes: Record<string, RepositoryTransport> = {
    'https:': 'https',
    'ssh:': 'ssh',
    'git:': 'git',
    'file:': 'file',
  };
  const transport: RepositoryTransport | undefined = schemes[parsed.protocol];
  if (!transport) {
    throw invalid(
      `the scheme "${parsed.protocol.replace(/:$/, '')}" is not allowed (https, ssh, git, file)`,
    );
  }
  if (parsed.password || (transport === 'https' && parsed.username)) {
    throw invalid('must not carry credentials; use a public repository or an SSH deploy key');
  }
  if (parsed.search || parsed.hash) throw invalid('must not have a query string or fragment');
  if (transport === 'file') {
    if (parsed.host) throw invalid('file:// URLs name a local path: file:///path/to/repo.git');
    return { transport, host: null };
  }
  if (!parsed.hostname) throw invalid('needs a host');
  return { transport, host: parsed.hostname.replace(/^\[|\]$/g, '') };
}

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** Loopback, link-local, private, CGNAT, multicast or reserved. IPv4-mapped IPv6 included. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Refuses a network repository whose host resolves (any of its addresses) to a private range,
 * unless private sources are allowed. file:// is an admin's local path and always allowed.
 */
export async function assertPublicSource(
  location: RepositoryLocation,
  allowPrivate: boolean,
  resolve: (host: string) => Promise<string[]> = async (host) =>
    (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address),
): Promise<void> {
  if (allowPrivate || location.host === null) return;
  let addresses: string[];
  try {
    addresses = isIP(location.host) ? [location.host] : await resolve(location.host);
  } catch {
    throw invalid(`the host "${location.host}" does not resolve`);
  }
  const blocked = addresses.find(isPrivateAddress);
  if (blocked) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `url: "${location.host}" resolves to ${blocked}, a loopback, link-local or private address; Tomo refuses those unless MARKETPLACE_ALLOW_PRIVATE_SOURCES is on.`,
    );
  }
}

/** A branch name git accepts and cannot read as an option (a subset of check-ref-format). */
export function assertBranchName(branch: string): void {
  const ok =
    /^[A-Za-z0-9._/-]{1,200}$/.test(branch) &&
    !branch.startsWith('-') &&
    !branch.startsWith('/') &&
    !branch.endsWith('/') &&
    !branch.endsWith('.lock') &&
    !branch.endsWith('.') &&
    !branch.includes('..') &&
    !branch.includes('//') &&
    !branch.split('/').some((part) => part.startsWith('.'));
  if (!ok) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `branch: "${branch.slice(0, 60)}" is not a valid branch name (letters, digits, . _ - /; no "..", not starting with "-")`,
    );
  }
}
