import { Injectable } from '@nestjs/common';
import { utils } from 'ssh2';
import { SecretBox } from '../../common/crypto/secret-box';
import { DomainError } from '../../common/errors/domain-error';
import type { AuthType, ServerEntity } from '../server.entity';
import type { SshAuth } from '../ssh/ssh-target';

/** Associated data of a sealed server secret: its row and column. */
export const credentialAad = (serverId: string, column: 'credential' | 'passphrase'): string =>
  `servers:${serverId}:${column}`;

/**
 * Seals and opens server credentials. Plaintext exists only here and in the SSH connection
 * config; it is never returned, logged, audited or put into an error message.
 */
@Injectable()
export class ServerCredentials {
  constructor(readonly box: SecretBox) {}

  /** Refuses a key ssh2 cannot read or open, naming the reason but never the key. */
  assertUsable(authType: AuthType, credential: string, passphrase: string | undefined): void {
    if (authType === 'password') {
      if (passphrase !== undefined) {
        throw new DomainError(
          'VALIDATION_FAILED',
          'passphrase: only a private key (auth_type "key") has a passphrase.',
        );
      }
      return;
    }
    const parsed = utils.parseKey(credential, passphrase);
    if (!(parsed instanceof Error)) return;
    const reason = /no passphrase given/i.test(parsed.message)
      ? 'the private key is encrypted: give its passphrase.'
      : /bad passphrase|integrity check|decrypt/i.test(parsed.message)
        ? 'the passphrase does not open the private key.'
        : 'not a private key Tomo can read (OpenSSH or PEM format: RSA, ECDSA or Ed25519).';
    throw new DomainError('VALIDATION_FAILED', `credential: ${reason}`);
  }

  sealCredential(serverId: string, credential: string): string {
    return this.box.seal(credential, credentialAad(serverId, 'credential'));
  }

  sealPassphrase(serverId: string, passphrase: string | undefined): string | null {
    return passphrase === undefined
      ? null
      : this.box.seal(passphrase, credentialAad(serverId, 'passphrase'));
  }

  /** The login for an SSH connection, unsealed. */
  authOf(server: ServerEntity): SshAuth {
    const credential = this.box.open(server.credential, credentialAad(server.id, 'credential'));
    if (server.authType === 'password') return { type: 'password', password: credential };
    return {
      type: 'key',
      privateKey: credential,
      passphrase: server.passphrase
        ? this.box.open(server.passphrase, credentialAad(server.id, 'passphrase'))
        : undefined,
    };
  }
}
