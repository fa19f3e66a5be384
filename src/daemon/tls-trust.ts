import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { UsageError } from './cli-options';

export interface TlsTrust {
  rejectUnauthorized: true;
  ca?: string[];
}

/**
 * Certificates are always verified for wss://. Without `--ca-file` Node's defaults apply (its
 * bundled CAs and NODE_EXTRA_CA_CERTS). Passing `ca` to TLS replaces the defaults, so with
 * `--ca-file` the list is rebuilt: the bundled CAs (and the system store, on Node versions that
 * expose it) plus the file.
 */
export function loadTlsTrust(caFile: string | undefined): TlsTrust {
  if (caFile === undefined) return { rejectUnauthorized: true };
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --ca-file ${caFile}: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca-file ${caFile} holds no PEM certificate`);
  }
  return { rejectUnauthorized: true, ca: [...defaultCertificates(), pem] };
}

function defaultCertificates(): string[] {
  // `tls.getCACertificates` arrived in Node 22.15/23.5; on older Node only the bundled set exists.
  const getter = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof getter !== 'function') return [...tls.rootCertificates];
  const certs = new Set<string>([...getter('default')]);
  try {
    for (const cert of getter('system')) certs.add(cert);
  } catch {
    // no system store on this platform
  }
  return [...certs];
}
