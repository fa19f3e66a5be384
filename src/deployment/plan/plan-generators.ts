// The generators of an input's `default` (MANIFEST.md): `${password:N}`, `${hex:N}`, `${uuid}`,
// `${random_port}`. Random bytes come from the caller so tests can be deterministic.

export type RandomBytes = (bytes: number) => Buffer;

/** URL-safe: letters, digits, `-` and `_`; 64 symbols, so a byte's low 6 bits pick one evenly. */
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The first 62 symbols: a generated password never starts with `-` (an option, as an argument). */
const ALPHANUMERIC = 62;
export const RANDOM_PORT_MIN = 20000;
export const RANDOM_PORT_MAX = 39999;

function bytesOf(random: RandomBytes, count: number): Buffer {
  const bytes = random(count);
  if (bytes.length < count)
    throw new Error(`the random source returned ${bytes.length} of ${count} bytes`);
  return bytes;
}

/** `length` characters of the URL-safe alphabet, the first one a letter or a digit. */
export function generatePassword(length: number, random: RandomBytes): string {
  let password = '';
  for (let round = 0; password.length < length; round += 1) {
    if (round > 64) throw new Error('the random source keeps returning unusable bytes');
    for (const byte of bytesOf(random, length)) {
      const index = byte & 63;
      if (password.length === 0 && index >= ALPHANUMERIC) continue;
      password += URL_SAFE[index];
      if (password.length === length) break;
    }
  }
  return password;
}

/** `length` lower-case hex digits. */
export function generateHex(length: number, random: RandomBytes): string {
  return bytesOf(random, Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}

/** A version 4 UUID. */
export function generateUuid(random: RandomBytes): string {
  const bytes = Buffer.from(bytesOf(random, 16).subarray(0, 16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A port of 20000–39999 not in `taken`, from a random start upwards (wrapping), added to `taken`;
 * null when every one is taken.
 */
export function generatePort(taken: Set<number>, random: RandomBytes): number | null {
  const span = RANDOM_PORT_MAX - RANDOM_PORT_MIN + 1;
  const start = bytesOf(random, 4).readUInt32BE(0) % span;
  for (let step = 0; step < span; step += 1) {
    const port = RANDOM_PORT_MIN + ((start + step) % span);
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  return null;
}

const GENERATOR = /^(?:password:(\d+)|hex:(\d+)|uuid|random_port)$/;

/**
 * The value of one generator token (`password:24`), or why there is none (not a generator, a
 * length out of range, no free port left).
 */
export function runGenerator(
  token: string,
  random: RandomBytes,
  takenPorts: Set<number>,
): string | { failure: string } {
  const match = GENERATOR.exec(token);
  if (!match) return { failure: `\${${token}} is not a generator` };
  const length = Number(match[1] ?? match[2]);
  if ((match[1] ?? match[2]) !== undefined && (length < 8 || length > 128)) {
    return { failure: `\${${token}}: the length must be between 8 and 128` };
  }
  if (match[1] !== undefined) return generatePassword(length, random);
  if (match[2] !== undefined) return generateHex(length, random);
  if (token === 'uuid') return generateUuid(random);
  const port = generatePort(takenPorts, random);
  return port === null
    ? { failure: `no free port is left in ${RANDOM_PORT_MIN}–${RANDOM_PORT_MAX}` }
    : String(port);
}
