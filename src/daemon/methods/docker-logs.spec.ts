import { summariseStats } from './docker-containers';
import { asBuffer, demuxDockerStream, keepTail } from './docker-logs';
import { imageReference } from './docker-resources';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker log helpers', () => {
  it('demultiplexes stdout and stderr frames in order', () => {
    const buffer = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more\n')]);
    expect(demuxDockerStream(buffer).toString()).toBe('out\nerr\nmore\n');
  });

  it('keeps raw (TTY) output that is not framed', () => {
    expect(demuxDockerStream(Buffer.from('plain text output\n')).toString()).toBe(
      'plain text output\n',
    );
  });

  it('keeps a truncated last frame', () => {
    const whole = frame(1, 'abcdef');
    expect(demuxDockerStream(whole.subarray(0, 11)).toString()).toBe('abc');
  });

  it('keeps the newest bytes when logs are too large', () => {
    expect(keepTail(Buffer.from('0123456789'), 4)).toBe(
      '[tomo-agent: 6 earlier bytes truncated]\n6789',
    );
    expect(keepTail(Buffer.from('abc'), 4)).toBe('abc');
  });

  it('turns whatever dockerode returns into bytes', () => {
    expect(asBuffer(Buffer.from('x')).toString()).toBe('x');
    expect(asBuffer('y').toString()).toBe('y');
    expect(asBuffer({ a: 1 }).toString()).toBe('{"a":1}');
  });
});

describe('container stats', () => {
  it('computes CPU and memory like docker stats', () => {
    expect(
      summariseStats({
        cpu_stats: { cpu_usage: { total_usage: 2_000 }, system_cpu_usage: 20_000, online_cpus: 4 },
        precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
        memory_stats: { usage: 300, limit: 1000, stats: { inactive_file: 100 } },
      }),
    ).toEqual({ cpu_percent: 40, memory_usage: 200, memory_limit: 1000 });
  });

  it('gives zeros for a stopped container', () => {
    expect(summariseStats({})).toEqual({ cpu_percent: 0, memory_usage: 0, memory_limit: 0 });
  });
});

describe('image references', () => {
  it.each([
    ['nginx', undefined, 'nginx:latest'],
    ['nginx', '1.27', 'nginx:1.27'],
    ['nginx:1.25', 'latest', 'nginx:1.25'],
    ['registry:5000/team/app', 'v2', 'registry:5000/team/app:v2'],
    ['registry:5000/team/app:v1', 'v2', 'registry:5000/team/app:v1'],
    ['app@sha256:abc', 'v2', 'app@sha256:abc'],
  ])('%s + %s → %s', (image, tag, expected) => {
    expect(imageReference(image, tag)).toBe(expected);
  });
});
