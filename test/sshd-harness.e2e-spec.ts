import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Client, ClientChannel, ConnectConfig, utils } from 'ssh2';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd, TestSshdWithRoot } from './support/sshd';

/** Tests of test/support/sshd.ts itself, with a real client (ssh2, as Tomo uses). */

interface Connected {
  client: Client;
  hostKey: Buffer;
}

const clients = new Set<Client>();

function sshConnect(sshd: TestSshd, config: ConnectConfig): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    clients.add(client);
    let hostKey: Buffer = Buffer.alloc(0);
    client.once('ready', () => resolve({ client, hostKey }));
    client.once('error', reject);
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        hostKey = key;
        return true;
      },
      ...config,
    });
  });
}

function openExec(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(command, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

async function run(client: Client, command: string): Promise<{ stdout: string; code: number }> {
  const stream = await openExec(client, command);
  let stdout = '';
  stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  stream.stderr.resume();
  const code = await new Promise<number>((resolve) =>
    stream.once('exit', (exitCode: number | null) => resolve(exitCode ?? -1)),
  );
  return { stdout, code };
}

function closed(emitter: Client | ClientChannel, timeoutMs = 5_000): Promise<'closed'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within ${timeoutMs} ms`)), timeoutMs);
    emitter.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

function openSshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Processes whose command line mentions the path (the listener's `-f <dir>/sshd_config`). */
function processesMentioning(path: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function userExists(username: string): boolean {
  try {
    execFileSync('id', [username], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

afterEach(() => {
  for (const client of clients) client.end();
  clients.clear();
});

describeWithSshd('test sshd harness', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 2 });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('creates a fresh user and authenticates it with its password', async () => {
    expect(sshd.username).toMatch(/^tomot[a-z0-9]{6}$/);
    expect(userExists(sshd.username)).toBe(true);
    const { client } = await sshConnect(sshd, { password: sshd.password });
    expect(await run(client, 'id -un')).toEqual({ stdout: `${sshd.username}\n`, code: 0 });
    expect(sshd.log()).toContain(
      `userauth-request for user ${sshd.username} service ssh-connection method password`,
    );
    expect(sshd.log()).toContain(`Accepted password for ${sshd.username}`);
  });

  it('rejects a wrong password and root', async () => {
    await expect(sshConnect(sshd, { password: `${sshd.password}x` })).rejects.toMatchObject({
      level: 'client-authentication',
    });
    await expect(
      sshConnect(sshd, { username: 'root', privateKey: sshd.privateKey }),
    ).rejects.toMatchObject({ level: 'client-authentication' });
  });

  it.each([
    ['an unencrypted ed25519 key', (s: TestSshd) => ({ privateKey: s.privateKey })],
    [
      'an encrypted ed25519 key',
      (s: TestSshd) => ({ privateKey: s.encryptedKey.key, passphrase: s.encryptedKey.passphrase }),
    ],
    [
      'an encrypted RSA key in PEM format',
      (s: TestSshd) => ({ privateKey: s.pemKey.key, passphrase: s.pemKey.passphrase }),
    ],
  ])('authenticates with %s', async (_name, credentials) => {
    const { client } = await sshConnect(sshd, credentials(sshd));
    expect(await run(client, 'echo ok')).toEqual({ stdout: 'ok\n', code: 0 });
  });

  it('offers key formats as documented', () => {
    expect(sshd.privateKey).toContain('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(sshd.encryptedKey.key).toContain('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(sshd.pemKey.key).toContain('-----BEGIN RSA PRIVATE KEY-----');
    expect(sshd.pemKey.key).toContain('Proc-Type: 4,ENCRYPTED');
    expect(sshd.log()).toContain('Accepted publickey');
  });

  it('reports the host key fingerprint clients see, and a new one after restart', async () => {
    const first = await sshConnect(sshd, { password: sshd.password });
    expect(openSshFingerprint(first.hostKey)).toBe(sshd.hostKeyFingerprint);
    const before = sshd.hostKeyFingerprint;
    const { port, pid } = sshd;

    await sshd.restart({ newHostKey: true });
    expect(sshd.port).toBe(port);
    expect(sshd.pid).not.toBe(pid);
    expect(sshd.hostKeyFingerprint).not.toBe(before);
    const second = await sshConnect(sshd, { password: sshd.password });
    expect(openSshFingerprint(second.hostKey)).toBe(sshd.hostKeyFingerprint);
  });

  it('applies MaxSessions', async () => {
    const { client } = await sshConnect(sshd, { privateKey: sshd.privateKey });
    await openExec(client, 'sleep 30');
    await openExec(client, 'sleep 30');
    await expect(openExec(client, 'echo third')).rejects.toThrow(/open failed|channel/i);
  });

  it('keeps sessions across restart(), and kill() ends them like a dying host', async () => {
    const { client } = await sshConnect(sshd, { privateKey: sshd.privateKey });
    const longRunning = await openExec(client, 'sleep 60');
    longRunning.resume(); // ssh2 emits a channel's 'close' only once its output has been read
    const clientClosed = closed(client, 10_000);
    const channelClosed = closed(longRunning, 10_000);
    client.on('error', () => undefined); // ECONNRESET is an acceptable way to learn of it

    await sshd.restart();
    expect(await run(client, 'echo still here')).toEqual({ stdout: 'still here\n', code: 0 });

    const listener = sshd.pid;
    sshd.kill();
    await expect(channelClosed).resolves.toBe('closed');
    await expect(clientClosed).resolves.toBe('closed');
    expect(existsSync(`/proc/${listener}`) && !isZombie(listener)).toBe(false);
    await expect(sshConnect(sshd, { password: sshd.password })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(processesMentioning(sshd.dir)).toEqual([]);

    await sshd.start();
    const again = await sshConnect(sshd, { password: sshd.password });
    expect(await run(again.client, 'id -un')).toMatchObject({ stdout: `${sshd.username}\n` });
  });

  it('stop() removes the processes, the user and the directory', async () => {
    const { username, dir, home } = sshd;
    const { client } = await sshConnect(sshd, { password: sshd.password });
    await openExec(client, 'sleep 60');
    client.on('error', () => undefined);
    await sshd.stop();
    expect(userExists(username)).toBe(false);
    expect(existsSync(home)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    await sshd.stop(); // idempotent
  });
});

describeWithSshd('test sshd harness with root login', () => {
  let sshd: TestSshdWithRoot;
  beforeAll(async () => {
    sshd = await startSshd({ rootLogin: true });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('authorizes its key for root until stop()', async () => {
    expect(sshd.rootPrivateKey).toBe(sshd.privateKey);
    const { client } = await sshConnect(sshd, {
      username: 'root',
      privateKey: sshd.rootPrivateKey,
    });
    expect(await run(client, 'id -u')).toEqual({ stdout: '0\n', code: 0 });
    const blob = publicBlob(sshd.rootPrivateKey);
    expect(readFileSync('/root/.ssh/authorized_keys', 'utf8')).toContain(blob);
    client.end();

    await sshd.stop();
    const keys = existsSync('/root/.ssh/authorized_keys')
      ? readFileSync('/root/.ssh/authorized_keys', 'utf8')
      : '';
    expect(keys).not.toContain(blob);
    expect(keys).not.toMatch(new RegExp(`tomo-test-sshd:${process.pid}:`));
  });
});

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** The base64 blob of a private key's public half, as it appears in authorized_keys. */
function publicBlob(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key.getPublicSSH().toString('base64');
}
