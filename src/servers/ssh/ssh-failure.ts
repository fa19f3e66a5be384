import { DomainError } from '../../common/errors/domain-error';
import type { ServerStatus } from '../server.entity';

export type SshFailureKind =
  'unreachable' | 'auth_failed' | 'host_key_mismatch' | 'connection_lost' | 'channel_refused';

const STATUS_OF: Record<SshFailureKind, ServerStatus> = {
  unreachable: 'unreachable',
  auth_failed: 'auth_failed',
  host_key_mismatch: 'host_key_changed',
  connection_lost: 'unreachable',
  channel_refused: 'unreachable',
};

/**
 * Why an SSH connection or command failed, in words built by Tomo (never the raw library
 * message, which could quote a server banner or a key). Carries the fingerprint the server
 * offered when it was not the pinned one.
 */
export class SshFailure extends Error {
  constructor(
    readonly kind: SshFailureKind,
    message: string,
    readonly offeredFingerprint?: string,
  ) {
    super(message);
    this.name = 'SshFailure';
  }

  get serverStatus(): ServerStatus {
    return STATUS_OF[this.kind];
  }

  toDomainError(): DomainError {
    switch (this.kind) {
      case 'host_key_mismatch':
        return new DomainError('HOST_KEY_MISMATCH', this.message, {
          offered_fingerprint: this.offeredFingerprint,
        });
      case 'auth_failed':
        return new DomainError('SSH_AUTH_FAILED', this.message);
      case 'unreachable':
      case 'connection_lost':
      case 'channel_refused':
        return new DomainError('SSH_UNREACHABLE', this.message);
    }
  }
}

/** Maps an ssh2 or socket error to a failure a person can act on. */
export function classifySshError(error: unknown, endpoint: string): SshFailure {
  const err = error as { level?: string; code?: string; message?: string };
  const code = err.code ?? '';
  if (err.level === 'client-authentication') {
    return new SshFailure(
      'auth_failed',
      `${endpoint} refused the credential (wrong password or key, or the user may not log in).`,
    );
  }
  if (err.level === 'client-timeout') {
    return new SshFailure('unreachable', `${endpoint} did not complete the SSH handshake in time.`);
  }
  const socketReasons: Record<string, string> = {
    ECONNREFUSED: 'refused the connection (is sshd running on that port?)',
    EHOSTUNREACH: 'is unreachable (no route to host)',
    ENETUNREACH: 'is unreachable (network unreachable)',
    ETIMEDOUT: 'did not answer in time',
    ENOTFOUND: 'has a hostname that does not resolve',
    EAI_AGAIN: 'has a hostname that could not be resolved right now',
    ECONNRESET: 'closed the connection',
  };
  const reason = socketReasons[code];
  if (reason) return new SshFailure('unreachable', `${endpoint} ${reason}.`);
  if (err.level === 'handshake' || err.level === 'protocol') {
    return new SshFailure('unreachable', `${endpoint}: SSH handshake failed.`);
  }
  return new SshFailure('unreachable', `${endpoint}: SSH connection failed.`);
}
