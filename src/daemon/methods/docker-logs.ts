/**
 * Docker sends the logs of a container without a TTY multiplexed: frames of an 8-byte header
 * (stream type, three zero bytes, big-endian length) and a payload. With a TTY it sends raw bytes.
 */
export function demuxDockerStream(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    if (
      (type !== 0 && type !== 1 && type !== 2) ||
      buffer[offset + 1] !== 0 ||
      buffer[offset + 2] !== 0 ||
      buffer[offset + 3] !== 0
    ) {
      // Not a frame header: treat the rest as raw output rather than dropping it.
      parts.push(buffer.subarray(offset));
      return Buffer.concat(parts);
    }
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, Math.min(buffer.length, offset + 8 + size)));
    offset += 8 + size;
  }
  if (offset < buffer.length) parts.push(buffer.subarray(offset));
  return Buffer.concat(parts);
}

/** Keeps the end (the newest lines) when the logs are larger than fits one response. */
export function keepTail(buffer: Buffer, maxBytes: number): string {
  if (buffer.length <= maxBytes) return buffer.toString('utf8');
  const dropped = buffer.length - maxBytes;
  return `[tomo-agent: ${dropped} earlier bytes truncated]\n${buffer.subarray(dropped).toString('utf8')}`;
}

/** dockerode parses a non-stream body as JSON when it can, so logs that are JSON arrive parsed. */
export function asBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body) ?? '', 'utf8');
}
