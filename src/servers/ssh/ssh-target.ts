/** How to log in to a server; built from a server row with its credential unsealed. */
export type SshAuth =
  { type: 'password'; password: string } | { type: 'key'; privateKey: string; passphrase?: string };

/** Decides on the host key a server offers, before any credential is sent. */
export type HostKeyVerifier = (fingerprint: string) => Promise<boolean>;

export interface SshTarget {
  /** Pool key: one connection per server. */
  serverId: string;
  hostname: string;
  port: number;
  username: string;
  auth: SshAuth;
  verifyHostKey: HostKeyVerifier;
}

export function endpointOf(target: Pick<SshTarget, 'hostname' | 'port' | 'username'>): string {
  const host = target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname;
  return `${target.username}@${host}:${target.port}`;
}
