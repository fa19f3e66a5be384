import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { freePort } from './free-port';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real OpenSSH server for one test file: its own port on 127.0.0.1, host key, config and log in
 * a temporary directory, and a fresh POSIX user with a password and three authorized keys. Needs
 * root and /usr/sbin/sshd (scripts/provision-ssh.sh); guard suites with `describeWithSshd` from
 * ./infra. Only argument arrays reach child processes, never a shell.
 *
 * Lifecycle: `restart()` behaves like restarting a real sshd (the listener is replaced, open
 * sessions survive); `kill()` is a host dying (SIGKILL to the listener, every per-connection
 * process and every process of the test user); `stop()` undoes everything, including the user.
 */
export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  /** A user created for this instance: `tomot` + 6 random [a-z0-9]. */
  username: string;
  password: string;
  home: string;
  /** OpenSSH-format ed25519 key without passphrase, authorized for `username`. */
  privateKey: string;
  /** OpenSSH-format ed25519 key with a passphrase, authorized for `username`. */
  encryptedKey: { key: string; passphrase: string };
  /** RSA 3072 key in PEM format (`ssh-keygen -m PEM`) with a passphrase, authorized. */
  pemKey: { key: string; passphrase: string };
  /** `SHA256:...` as `ssh-keygen -lf` prints it, for the current host key. */
  hostKeyFingerprint: string;
  /** The temporary directory holding config, keys, pid file and log. */
  dir: string;
  /** sshd's `-E` log, LogLevel DEBUG1 (userauth requests are visible). */
  logPath: string;
  /** The listener's pid (changes on restart and start). */
  pid: number;
  log(): string;
  /** Stops the listener and starts it on the same port; open sessions survive. */
  restart(opts?: { newHostKey?: boolean }): Promise<void>;
  /** SIGKILLs the listener, all its per-connection children and the test user's processes. */
  kill(): void;
  /** Starts the listener again after kill(). */
  start(): Promise<void>;
  /** Kills everything it started, removes the user (`userdel -r`), root's key line and the dir. */
  stop(): Promise<void>;
}

export interface TestSshdWithRoot extends TestSshd {
  /** Authorized for root until stop(); the same key as `privateKey`. */
  rootPrivateKey: string;
}

export interface StartSshdOptions {
  /** Also listen on 127.0.0.2 … 127.0.0.(n+1); default 0, at most 14 (sshd listens on 16 sockets at most). */
  extraAddresses?: number;
  /** sshd's MaxSessions (channels per connection); default 10. */
  maxSessions?: number;
  /** `PermitRootLogin yes` and `privateKey` authorized for root (undone at stop()). */
  rootLogin?: boolean;
}

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
const DIR_PREFIX = 'tomo-sshd-';
const OWNER_FILE = 'owner.json';
const GECOS_PREFIX = 'tomo test sshd owner=';
const ROOT_MARKER_PREFIX = 'tomo-test-sshd';
const READY_TIMEOUT_MS = 5_000;

interface OwnerRecord {
  pid: number;
  username: string;
}

// ---------------------------------------------------------------------------------------------
// Small process and command helpers

function run(command: string, args: string[], input?: string): string {
  try {
    return execFileSync(command, args, {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (error) {
    const e = error as { status?: number | null; stderr?: string; message: string };
    const detail = e.stderr?.trim() || e.message;
    throw new Error(`${command} ${args.join(' ')} failed (exit ${e.status ?? '?'}): ${detail}`, {
      cause: error,
    });
  }
}

/** Runs an account-database command, retrying while another test process holds its locks. */
function runAccountCommand(command: string, args: string[], input?: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      run(command, args, input);
      return;
    } catch (error) {
      const locked = /lock|try again/i.test((error as Error).message);
      if (!locked || attempt >= 10) throw error;
      sleepSync(200 * attempt);
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      state: fields[0] ?? '?',
      ppid: Number(fields[1]),
      startTime: fields[19] ?? '',
    };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcInfo[] {
  const result: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procInfo(Number(entry));
    if (info) result.push(info);
  }
  return result;
}

/** Alive and not a zombie (a zombie has closed its sockets; pid 1 may be slow to reap it). */
function isAlive(pid: number, startTime?: string): boolean {
  const info = procInfo(pid);
  if (!info || info.state === 'Z' || info.state === 'X') return false;
  return startTime === undefined || info.startTime === startTime;
}

function realUid(pid: number): number | undefined {
  try {
    const match = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs the given processes and all their descendants. Everything found is SIGSTOPped first,
 * repeatedly until the tree stops growing, so that nothing forks (or is reparented to pid 1 and
 * lost) between finding a process and killing it. Waits up to 5 s for them to be gone.
 */
function killTrees(roots: number[], extra: (p: ProcInfo) => boolean = () => false): void {
  const victims = new Set<number>();
  const add = (pid: number) => {
    if (pid === process.pid || pid <= 1 || victims.has(pid)) return false;
    victims.add(pid);
    signal(pid, 'SIGSTOP');
    return true;
  };
  for (const pid of roots) if (isAlive(pid)) add(pid);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of allProcesses()) {
      if (p.state === 'Z') continue;
      if (victims.has(p.ppid) || extra(p)) grew = add(p.pid) || grew;
    }
  }
  for (const pid of victims) signal(pid, 'SIGKILL');
  const deadline = Date.now() + 5_000;
  while ([...victims].some((pid) => isAlive(pid)) && Date.now() < deadline) sleepSync(10);
}

function randomSuffix(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

function passwordLike(): string {
  return randomBytes(18).toString('base64url');
}

/** Resolves once something on the port sends an SSH identification string. */
function sshBanner(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) done(received.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Keys and fingerprints

/** `SHA256:...` of a public key line (`ssh-ed25519 AAAA... comment`), computed by ssh-keygen. */
export function fingerprintOf(publicKeyLine: string): string {
  const output = run(SSH_KEYGEN, ['-l', '-E', 'sha256', '-f', '-'], `${publicKeyLine.trim()}\n`);
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(output);
  if (!match) throw new Error(`unexpected ssh-keygen -lf output: ${output}`);
  return match[0];
}

interface GeneratedKey {
  privateKey: string;
  publicKey: string;
}

function generateKey(
  path: string,
  type: 'ed25519' | 'rsa',
  passphrase: string,
  comment: string,
  pem = false,
): GeneratedKey {
  const args = ['-q', '-t', type, '-N', passphrase, '-C', comment, '-f', path];
  if (type === 'rsa') args.push('-b', '3072');
  if (pem) args.push('-m', 'PEM');
  run(SSH_KEYGEN, args);
  return {
    privateKey: readFileSync(path, 'utf8'),
    publicKey: readFileSync(`${path}.pub`, 'utf8').trim(),
  };
}

// ---------------------------------------------------------------------------------------------
// Accounts

interface Account {
  uid: number;
  gid: number;
  gecos: string;
  home: string;
}

function account(username: string): Account | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid, gecos, home] = line.split(':');
    if (name === username && uid !== undefined && gid !== undefined && home !== undefined)
      return { uid: Number(uid), gid: Number(gid), gecos: gecos ?? '', home };
  }
  return undefined;
}

function removeUser(username: string): void {
  const user = account(username);
  if (!user || user.uid === 0 || !username.startsWith('tomot')) return;
  killTrees([], (p) => realUid(p.pid) === user.uid);
  try {
    runAccountCommand('userdel', ['-r', username]);
  } catch {
    // e.g. a process still starting as the user: clear it and force.
    killTrees([], (p) => realUid(p.pid) === user.uid);
    if (account(username)) runAccountCommand('userdel', ['-r', '-f', username]);
  }
  if (user.home.endsWith(`/${username}`)) rmSync(user.home, { recursive: true, force: true });
}

function ownerAlive(pid: number): boolean {
  return pid === process.pid || isAlive(pid);
}

// ---------------------------------------------------------------------------------------------
// Root's authorized_keys: one marked line per instance, added and removed under a lock

function rootHome(): string {
  return account('root')?.home || '/root';
}

/** Set when this process created root's ~/.ssh, so that the last stop() removes it again. */
let createdRootSshDir = false;

function withRootKeysLock<T>(fn: (file: string) => T): T {
  const sshDir = join(rootHome(), '.ssh');
  const lock = join(sshDir, '.tomo-test-sshd.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (!existsSync(sshDir)) {
        mkdirSync(sshDir, { mode: 0o700 });
        createdRootSshDir = true;
      }
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock); // left by a crash
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`could not take ${lock}`);
      sleepSync(20);
    }
  }
  try {
    return fn(join(sshDir, 'authorized_keys'));
  } finally {
    rmdirSync(lock);
  }
}

/** Removes our marked lines: the one given, and any whose owner process is gone. */
function pruneRootKeys(file: string, marker?: string): void {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n');
  const kept = lines.filter((line) => {
    const match = new RegExp(`\\s${ROOT_MARKER_PREFIX}:(\\d+):\\S+$`).exec(line);
    if (!match) return true;
    if (marker !== undefined && line.endsWith(` ${marker}`)) return false;
    return ownerAlive(Number(match[1]));
  });
  if (kept.length === lines.length) return;
  if (kept.join('').trim() === '') unlinkSync(file);
  else writeFileSync(file, kept.join('\n'));
}

function authorizeForRoot(publicKey: string, marker: string): void {
  withRootKeysLock((file) => {
    pruneRootKeys(file);
    const [type, blob] = publicKey.split(/\s+/);
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
    appendFileSync(file, `${separator}${type} ${blob} ${marker}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  });
}

function unauthorizeForRoot(marker: string): void {
  const file = withRootKeysLock((file) => {
    pruneRootKeys(file, marker);
    return file;
  });
  if (createdRootSshDir) {
    try {
      rmdirSync(dirname(file)); // only when empty: another instance may hold the lock or a key
      createdRootSshDir = false;
    } catch {
      // not empty
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Leftovers of test processes that died without stop()

function bestEffort(fn: () => void): void {
  try {
    fn();
  } catch {
    // another test process may be sweeping the same leftovers
  }
}

function sweepLeftovers(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), entry);
    let owner: OwnerRecord;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as OwnerRecord;
    } catch {
      continue; // being created, or not ours
    }
    if (ownerAlive(owner.pid)) continue;
    const config = join(dir, 'sshd_config');
    const listeners = allProcesses().filter((p) => {
      try {
        // sshd rewrites its title ("sshd: /usr/sbin/sshd -f <config> ... [listener] ...").
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8')
          .split(/[\0\s]/)
          .includes(config);
      } catch {
        return false;
      }
    });
    bestEffort(() => killTrees(listeners.map((p) => p.pid)));
    bestEffort(() => removeUser(owner.username));
    bestEffort(() => rmSync(dir, { recursive: true, force: true }));
  }
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , , , gecos] = line.split(':');
    if (!name?.startsWith('tomot') || !gecos?.startsWith(GECOS_PREFIX)) continue;
    if (!ownerAlive(Number(gecos.slice(GECOS_PREFIX.length)))) bestEffort(() => removeUser(name));
  }
  if (existsSync(join(rootHome(), '.ssh', 'authorized_keys')))
    bestEffort(() => withRootKeysLock((file) => pruneRootKeys(file)));
}

// ---------------------------------------------------------------------------------------------
// The instance

function opensshVersion(): [number, number] {
  // `sshd -V` prints its version on stderr; read both streams whatever the exit status.
  const result = spawnSync(SSHD, ['-V'], { encoding: 'utf8', timeout: 10_000 });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const match = /OpenSSH_(\d+)\.(\d+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

class Instance implements TestSshdWithRoot {
  readonly host = '127.0.0.1' as const;
  username = '';
  password = passwordLike();
  home = '';
  privateKey = '';
  rootPrivateKey = '';
  encryptedKey = { key: '', passphrase: passwordLike() };
  pemKey = { key: '', passphrase: passwordLike() };
  hostKeyFingerprint = '';
  logPath: string;
  pid = 0;
  private pidStartTime = '';
  /** Per-connection processes of earlier listeners (restart() keeps sessions open). */
  private readonly orphans = new Map<number, string>();
  private readonly configPath: string;
  private readonly pidFile: string;
  private readonly hostKeyPath: string;
  private readonly rootMarker: string;
  private stopped = false;

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly options: StartSshdOptions,
  ) {
    this.logPath = join(dir, 'sshd.log');
    this.configPath = join(dir, 'sshd_config');
    this.pidFile = join(dir, 'sshd.pid');
    this.hostKeyPath = join(dir, 'ssh_host_ed25519_key');
    this.rootMarker = `${ROOT_MARKER_PREFIX}:${process.pid}:${randomSuffix(8)}`;
  }

  setUp(): void {
    // The user first, so that stop() knows what to remove should anything below fail.
    this.username = `tomot${randomSuffix(6)}`;
    writeFileSync(
      join(this.dir, OWNER_FILE),
      JSON.stringify({ pid: process.pid, username: this.username } satisfies OwnerRecord),
    );
    runAccountCommand('useradd', [
      '-m',
      '-s',
      '/bin/sh',
      '-c',
      `${GECOS_PREFIX}${process.pid}`,
      this.username,
    ]);
    runAccountCommand('chpasswd', [], `${this.username}:${this.password}\n`);
    const user = account(this.username);
    if (!user) throw new Error(`useradd did not create ${this.username}`);
    this.home = user.home;

    const plain = generateKey(join(this.dir, 'id_ed25519'), 'ed25519', '', 'tomo-test plain');
    const encrypted = generateKey(
      join(this.dir, 'id_ed25519_encrypted'),
      'ed25519',
      this.encryptedKey.passphrase,
      'tomo-test encrypted',
    );
    const pem = generateKey(
      join(this.dir, 'id_rsa_pem'),
      'rsa',
      this.pemKey.passphrase,
      'tomo-test pem',
      true,
    );
    this.privateKey = plain.privateKey;
    this.encryptedKey.key = encrypted.privateKey;
    this.pemKey.key = pem.privateKey;

    const sshDir = join(user.home, '.ssh');
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    chmodSync(sshDir, 0o700);
    const keysFile = join(sshDir, 'authorized_keys');
    writeFileSync(keysFile, `${plain.publicKey}\n${encrypted.publicKey}\n${pem.publicKey}\n`, {
      mode: 0o600,
    });
    chownSync(sshDir, user.uid, user.gid);
    chownSync(keysFile, user.uid, user.gid);

    if (this.options.rootLogin) {
      this.rootPrivateKey = plain.privateKey;
      authorizeForRoot(plain.publicKey, this.rootMarker);
    }

    this.generateHostKey();
    this.writeConfig();
  }

  private generateHostKey(): void {
    rmSync(this.hostKeyPath, { force: true });
    rmSync(`${this.hostKeyPath}.pub`, { force: true });
    const key = generateKey(this.hostKeyPath, 'ed25519', '', 'tomo-test host');
    this.hostKeyFingerprint = fingerprintOf(key.publicKey);
  }

  private writeConfig(): void {
    const [major, minor] = opensshVersion();
    const lines = [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      // 127.0.0.2…: the same sshd under other addresses, so tests can add several servers
      // (each endpoint host+port+user is unique in the inventory).
      ...Array.from(
        { length: this.options.extraAddresses ?? 0 },
        (_, n) => `ListenAddress 127.0.0.${n + 2}`,
      ),
      'AddressFamily inet',
      `HostKey ${this.hostKeyPath}`,
      `PidFile ${this.pidFile}`,
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM yes',
      'LogLevel DEBUG1',
      'MaxStartups 200:30:400',
      `MaxSessions ${this.options.maxSessions ?? 10}`,
      `PermitRootLogin ${this.options.rootLogin ? 'yes' : 'no'}`,
      'StrictModes yes',
      'PrintMotd no',
      'UseDNS no',
      'X11Forwarding no',
    ];
    if (existsSync(SFTP_SERVER)) lines.push(`Subsystem sftp ${SFTP_SERVER}`);
    // OpenSSH 9.8+ penalises addresses whose connections fail auth or crash; tests do both on
    // purpose from 127.0.0.1.
    if (major > 9 || (major === 9 && minor >= 8)) lines.push('PerSourcePenalties no');
    writeFileSync(this.configPath, `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  private logTail(lines = 30): string {
    return this.log().trimEnd().split('\n').slice(-lines).join('\n');
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error('this sshd was stopped; start a new one');
    if (this.pid && isAlive(this.pid, this.pidStartTime))
      throw new Error(`sshd is already running (pid ${this.pid})`);
    // Privilege separation directory; /run is a tmpfs, so it may be gone after a reboot.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    rmSync(this.pidFile, { force: true });

    const child = spawn(SSHD, ['-f', this.configPath, '-E', this.logPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (code !== 0)
      throw new Error(
        `sshd -f ${this.configPath} exited with ${code}: ${output.trim()}\n${this.logTail()}`,
      );

    // sshd daemonises: the parent exits, the daemon listens and then writes its pid file.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const pid = this.readPidFile();
      if (pid && isAlive(pid) && (await sshBanner(this.port, 1_000))) {
        this.pid = pid;
        this.pidStartTime = procInfo(pid)?.startTime ?? '';
        return;
      }
      if (Date.now() > deadline)
        throw new Error(
          `sshd did not accept connections on 127.0.0.1:${this.port} within ` +
            `${READY_TIMEOUT_MS} ms (pid file: ${pid ?? 'missing'}). Log ${this.logPath}:\n` +
            this.logTail(),
        );
      await sleep(25);
    }
  }

  private readPidFile(): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 1 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async restart(opts: { newHostKey?: boolean } = {}): Promise<void> {
    if (this.stopped) throw new Error('this sshd was stopped; start a new one');
    if (this.pid && isAlive(this.pid, this.pidStartTime)) {
      // Freeze the listener while its connections are noted: they outlive it, as with a real
      // restart, and kill()/stop() must still find them once they are reparented.
      signal(this.pid, 'SIGSTOP');
      for (const p of allProcesses())
        if (p.ppid === this.pid && p.state !== 'Z') this.orphans.set(p.pid, p.startTime);
      signal(this.pid, 'SIGTERM');
      signal(this.pid, 'SIGCONT');
      const deadline = Date.now() + 5_000;
      while (isAlive(this.pid, this.pidStartTime) && Date.now() < deadline) await sleep(10);
      if (isAlive(this.pid, this.pidStartTime)) killTrees([this.pid]);
    }
    if (opts.newHostKey) this.generateHostKey();
    await this.start();
  }

  kill(): void {
    const roots: number[] = [];
    if (this.pid && isAlive(this.pid, this.pidStartTime)) roots.push(this.pid);
    for (const [pid, startTime] of this.orphans) if (isAlive(pid, startTime)) roots.push(pid);
    this.orphans.clear();
    const uid = this.username ? account(this.username)?.uid : undefined;
    killTrees(roots, (p) => uid !== undefined && uid !== 0 && realUid(p.pid) === uid);
  }

  stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    const errors: unknown[] = [];
    const attempt = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        errors.push(error);
      }
    };
    attempt(() => this.kill());
    if (this.username) attempt(() => removeUser(this.username));
    if (this.options.rootLogin) attempt(() => unauthorizeForRoot(this.rootMarker));
    attempt(() => rmSync(this.dir, { recursive: true, force: true }));
    if (errors.length > 0)
      throw new Error(
        `stopping the test sshd: ${errors.map((e) => (e as Error).message).join('; ')}`,
      );
  }

  stop(): Promise<void> {
    return Promise.resolve().then(() => this.stopSync());
  }
}

/**
 * Creates a user, keys and config, and starts sshd on a free port. Call `await sshd.stop()` in
 * afterAll. Should a test process die without it (Ctrl-C, a killed worker), the next startSshd()
 * on the machine removes what it left: every instance records its owner pid, and leftovers whose
 * owner is gone are swept (listener and sessions, user, root key line, directory).
 */
export function startSshd(
  options: StartSshdOptions & { rootLogin: true },
): Promise<TestSshdWithRoot>;
export function startSshd(options?: StartSshdOptions): Promise<TestSshd>;
export async function startSshd(options: StartSshdOptions = {}): Promise<TestSshdWithRoot> {
  if (process.getuid?.() !== 0) throw new Error('startSshd needs root (useradd, sshd)');
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: run scripts/provision-ssh.sh`);
  // No process 'exit' hook: inside Jest, `process` is a sandbox copy that never emits it.
  sweepLeftovers();
  const port = await freePort();
  const instance = new Instance(mkdtempSync(join(tmpdir(), DIR_PREFIX)), port, options);
  try {
    instance.setUp();
    await instance.start();
  } catch (error) {
    try {
      instance.stopSync();
    } catch {
      // report the original failure
    }
    throw error;
  }
  return instance;
}
