import { Semaphore } from 'async-mutex';
import { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { fingerprintOf } from './host-key';
import { classifySshError, SshFailure } from './ssh-failure';
import { endpointOf, SshTarget } from './ssh-target';

export interface ConnectOptions {
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Channels open at once on this connection; more commands wait their turn. */
  maxChannels: number;
}

export interface ExecOptions {
  timeoutMs: number;
  /** stdout and stderr bytes kept together; the rest is read and dropped. */
  outputLimitBytes: number;
  /** Written to the command's stdin, which is then closed (file uploads: `cat > file`). */
  input?: Buffer;
}

export interface ExecResult {
  exitCode: number | null;
  /** The signal that ended the remote process, without the SIG prefix. */
  signal: string | null;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

/** ssh2's credential options for an SshTarget's auth (read once: it may unseal a secret). */
function credentialsOf(auth: SshTarget['auth']): Partial<ConnectConfig> {
  return auth.type === 'password'
    ? { password: auth.password }
    : { privateKey: auth.privateKey, passphrase: auth.passphrase };
}

/** Tries to open a channel that sshd refused while the connection stayed up. */
const CHANNEL_OPEN_ATTEMPTS = 10;

/** After a timeout's KILL, how long to wait for the remote side before closing the channel. */
const KILL_GRACE_MS = 2000;

/**
 * One SSH connection to one server, multiplexing a channel per command. The host key is
 * checked during key exchange, before authentication, so a changed key never sees a credential.
 */
export class SshConnection {
  private closed = false;
  private readonly channels: Semaphore;
  private readonly lostHandlers = new Set<(failure: SshFailure) => void>();
  private busyChannels = 0;
  lastUsedAt = Date.now();

  private constructor(
    private readonly client: Client,
    readonly endpoint: string,
    readonly hostKeyFingerprint: string,
    private readonly maxChannels: number,
  ) {
    this.channels = new Semaphore(maxChannels);
    client.on('close', () => this.markLost());
    client.on('error', () => this.markLost());
  }

  static open(target: SshTarget, options: ConnectOptions): Promise<SshConnection> {
    const endpoint = endpointOf(target);
    const client = new Client();
    let offered: string | undefined;
    let rejectedKey = false;
    const config: ConnectConfig = {
      host: target.hostname,
      port: target.port,
      username: target.username,
      readyTimeout: options.readyTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      tryKeyboard: false,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        offered = fingerprintOf(key);
        target.verifyHostKey(offered).then(
          (trusted) => {
            rejectedKey = !trusted;
            verify(trusted);
          },
          () => {
            rejectedKey = true;
            verify(false);
          },
        );
      },
      ...credentialsOf(target.auth),
    };
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => {
        client.removeAllListeners();
        client.on('error', () => undefined);
        client.end();
        if (rejectedKey) {
          reject(
            new SshFailure(
              'host_key_mismatch',
              `${endpoint} offered host key ${offered ?? '(none)'}, which is not the pinned key. ` +
                'Nothing was sent. If the server was reinstalled, an admin can accept the new key (accept_host_key).',
              offered,
            ),
          );
        } else {
          reject(classifySshError(error, endpoint));
        }
      };
      client.once('ready', () => {
        client.removeListener('error', fail);
        resolve(new SshConnection(client, endpoint, offered ?? 'unknown', options.maxChannels));
      });
      client.once('error', fail);
      try {
        client.connect(config);
        // Small request/response packets: without TCP_NODELAY each channel open waits for
        // the peer's delayed ACK (about 40 ms per command).
        client.setNoDelay(true);
      } catch (error) {
        // ssh2 throws synchronously for a key it cannot parse; never echo its message.
        client.removeAllListeners();
        reject(
          new SshFailure('auth_failed', `${endpoint}: the stored private key could not be read.`),
        );
        void error;
      }
    });
  }

  get alive(): boolean {
    return !this.closed;
  }

  /** Commands running or waiting for a channel on this connection. */
  get busy(): number {
    return this.busyChannels;
  }

  /** Commands holding a channel now (the rest of `busy` wait for one). */
  get channelsInUse(): number {
    return Math.max(0, this.maxChannels - this.channels.getValue());
  }

  /** Runs one command on its own channel; waits for a free channel first. */
  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    this.busyChannels += 1;
    try {
      return await this.channels.runExclusive(async () => {
        // sshd frees a session slot a moment after it closes the channel, so an open right
        // after a close can be refused (MaxSessions) on a healthy connection: try again.
        for (let attempt = 1; ; attempt++) {
          try {
            return await this.execOnChannel(command, options);
          } catch (error) {
            const refused = error instanceof SshFailure && error.kind === 'channel_refused';
            if (!refused || this.closed || attempt >= CHANNEL_OPEN_ATTEMPTS) throw error;
            await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
          }
        }
      });
    } finally {
      this.busyChannels -= 1;
      this.lastUsedAt = Date.now();
    }
  }

  close(): void {
    this.closed = true;
    this.client.end();
  }

  private lostFailure(): SshFailure {
    return new SshFailure(
      'connection_lost',
      `The SSH connection to ${this.endpoint} was lost while the command was running; its outcome is unknown.`,
    );
  }

  private markLost(): void {
    if (this.closed) return;
    this.closed = true;
    const failure = this.lostFailure();
    for (const handler of this.lostHandlers) handler(failure);
    this.lostHandlers.clear();
  }

  private execOnChannel(command: string, options: ExecOptions): Promise<ExecResult> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new SshFailure('channel_refused', `Not connected to ${this.endpoint}.`));
        return;
      }
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        this.lostHandlers.delete(onLost);
        outcome();
      };
      const onLost = (failure: SshFailure) => settle(() => reject(failure));
      this.lostHandlers.add(onLost);
      const opened = (error: Error | undefined, channel: ClientChannel) => {
        if (error) {
          settle(() =>
            reject(
              new SshFailure(
                'channel_refused',
                `${this.endpoint} refused to open a channel for the command.`,
              ),
            ),
          );
          return;
        }
        this.collect(
          channel,
          options,
          started,
          (result) => settle(() => resolve(result)),
          () => onLost(this.lostFailure()),
        );
      };
      try {
        this.client.exec(command, opened);
      } catch {
        // ssh2 throws "Not connected" when the socket is already gone.
        this.markLost();
        settle(() =>
          reject(new SshFailure('channel_refused', `Not connected to ${this.endpoint}.`)),
        );
      }
    });
  }

  private collect(
    channel: ClientChannel,
    options: ExecOptions,
    started: bigint,
    done: (result: ExecResult) => void,
    lost: () => void,
  ): void {
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    let exitCode: number | null = null;
    let signal: string | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    const keep = (chunk: Buffer) => {
      const room = options.outputLimitBytes - kept;
      if (room <= 0) {
        truncated = true;
        return;
      }
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (part.length < chunk.length) truncated = true;
      chunks.push(part);
      kept += part.length;
    };
    channel.on('data', keep);
    channel.stderr.on('data', keep);
    if (options.input) channel.end(options.input);
    const timeout = setTimeout(() => {
      timedOut = true;
      // OpenSSH (8.1+) delivers the signal with killpg: the whole process group of the
      // command dies, not only the shell that started it.
      channel.signal('KILL');
      graceTimer = setTimeout(() => channel.close(), KILL_GRACE_MS);
    }, options.timeoutMs);
    channel.on('exit', (code: number | null, signalName?: string) => {
      if (typeof code === 'number') exitCode = code;
      if (signalName) signal = signalName.replace(/^SIG/, '');
    });
    channel.on('close', () => {
      clearTimeout(timeout);
      clearTimeout(graceTimer);
      // A command that ran to its end always reports an exit status or signal; a channel
      // closing without one means the connection (or the host) went away under it.
      if (!timedOut && exitCode === null && signal === null) {
        lost();
        return;
      }
      done({
        exitCode,
        signal,
        output: Buffer.concat(chunks).toString('utf8'),
        truncated,
        timedOut,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
  }
}
