import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { resolveHostPath, runMethod } from './docker-run';
import { createOptions, parseRunParams } from './docker-run-params';

describe('docker.containers.run params', () => {
  it('maps the protocol fields onto Docker create options', () => {
    const spec = parseRunParams({
      image: 'nginx:1.27',
      name: 'blog',
      ports: { '8080': '80/tcp', '127.0.0.1:5353': '53/udp', '9000': 9000 },
      env: { A: '1', B: 2 },
      volumes: [
        { host: '/srv/blog/', container: '/usr/share/nginx/html', mode: 'ro' },
        { host: 'blogdata', container: '/data' },
      ],
      network: 'tomo',
      restart_policy: 'on-failure:3',
      labels: { 'tomo.app': 'blog' },
      command: ['nginx', '-g', 'daemon off;'],
      healthcheck: { test: 'curl -f http://localhost/', interval: 30, timeout: '5s', retries: 3 },
      unknown_extra: 'ignored',
    });
    expect(createOptions(spec)).toEqual({
      Image: 'nginx:1.27',
      name: 'blog',
      Env: ['A=1', 'B=2'],
      Labels: { 'tomo.app': 'blog' },
      Cmd: ['nginx', '-g', 'daemon off;'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '9000/tcp': {} },
      Healthcheck: {
        Test: ['CMD-SHELL', 'curl -f http://localhost/'],
        Interval: 30e9,
        Timeout: 5e9,
        Retries: 3,
      },
      HostConfig: {
        Binds: ['/srv/blog:/usr/share/nginx/html:ro', 'blogdata:/data:rw'],
        PortBindings: {
          '80/tcp': [{ HostPort: '8080' }],
          '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
          '9000/tcp': [{ HostPort: '9000' }],
        },
        NetworkMode: 'tomo',
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
        Privileged: false,
      },
    });
  });

  it('needs only an image', () => {
    const options = createOptions(parseRunParams({ image: 'busybox' }));
    expect(options).toMatchObject({ Image: 'busybox', HostConfig: { Privileged: false } });
    expect(options.Cmd).toBeUndefined();
  });

  it.each([
    ['no image', {}],
    ['ports as an array', { image: 'x', ports: ['80:80'] }],
    ['host port out of range', { image: 'x', ports: { '70000': '80/tcp' } }],
    ['bad protocol', { image: 'x', ports: { '80': '80/icmp' } }],
    [
      'volume with relative host path',
      { image: 'x', volumes: [{ host: './etc', container: '/c' }] },
    ],
    [
      'volume with relative container path',
      { image: 'x', volumes: [{ host: '/srv', container: 'c' }] },
    ],
    ['volume smuggling a colon', { image: 'x', volumes: [{ host: '/srv', container: '/c:/etc' }] }],
    [
      'volume with a bad mode',
      { image: 'x', volumes: [{ host: '/srv', container: '/c', mode: 'z' }] },
    ],
    ['restart policy', { image: 'x', restart_policy: 'sometimes' }],
    ['env key with =', { image: 'x', env: { 'A=B': '1' } }],
    ['command as a string', { image: 'x', command: 'sleep 1' }],
    ['privileged as a string', { image: 'x', privileged: 'yes' }],
    ['healthcheck interval', { image: 'x', healthcheck: { test: 'true', interval: 'soon' } }],
    ['network aliases without a network', { image: 'x', network_aliases: ['db'] }],
    ['entrypoint as a string', { image: 'x', entrypoint: '/bin/sh' }],
  ])('refuses %s with -32602', (_name, params) => {
    expect(() => parseRunParams(params)).toThrow(expect.objectContaining({ code: -32602 }));
  });

  it('keeps a container port without protocol as tcp and forwards harmless extras', () => {
    const spec = parseRunParams({
      image: 'x',
      ports: { '53': '53' },
      cap_add: ['NET_ADMIN'],
      pid_mode: 'container:db',
    });
    expect(createOptions(spec).HostConfig).toMatchObject({
      PortBindings: { '53/tcp': [{ HostPort: '53' }] },
      CapAdd: ['NET_ADMIN'],
      PidMode: 'container:db',
    });
  });
});

describe('docker.containers.run Tomo extensions', () => {
  it('applies network aliases, user and entrypoint, and a host port published for tcp and udp', () => {
    const options = createOptions(
      parseRunParams({
        image: 'x',
        network: 'tomo-1',
        network_aliases: ['db'],
        user: '1000:1000',
        entrypoint: ['/bin/sh', '-c'],
        ports: { '53': '53/tcp', '53/udp': '53/udp' },
      }),
    );
    expect(options).toMatchObject({
      User: '1000:1000',
      Entrypoint: ['/bin/sh', '-c'],
      NetworkingConfig: { EndpointsConfig: { 'tomo-1': { Aliases: ['db'] } } },
      HostConfig: {
        PortBindings: { '53/tcp': [{ HostPort: '53' }], '53/udp': [{ HostPort: '53' }] },
      },
    });
  });

  it('leaves them out when not asked for', () => {
    const options = createOptions(parseRunParams({ image: 'x', network: 'n' }));
    expect(options.User).toBeUndefined();
    expect(options.Entrypoint).toBeUndefined();
    expect(options.NetworkingConfig).toBeUndefined();
  });
});

describe('resolveHostPath', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tomo-agent-paths-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows symlinks in the existing part and keeps the missing rest', async () => {
    symlinkSync('/etc', join(dir, 'link'));
    await expect(resolveHostPath(join(dir, 'link'))).resolves.toBe('/etc');
    await expect(resolveHostPath(join(dir, 'link', 'missing', 'x'))).resolves.toBe(
      '/etc/missing/x',
    );
    await expect(resolveHostPath('/definitely/not/here')).resolves.toBe('/definitely/not/here');
  });
});

describe('docker.containers.run policy', () => {
  // Docker is never reached: every case here must be refused before any call.
  const docker = {
    createContainer: () => Promise.reject(new Error('Docker must not be called')),
  } as unknown as Docker;
  const handler = runMethod({
    docker,
    policy: { allowHostNetwork: false, dockerSocketPaths: ['/var/run/docker.sock'] },
  });
  const call = { id: '1', method: 'docker.containers.run' };

  it.each([
    ['privileged', { privileged: true }, 'privileged'],
    ['SYS_ADMIN', { cap_add: ['SYS_ADMIN'] }, 'capability SYS_ADMIN'],
    ['host pid', { pid_mode: 'host' }, 'host PID namespace'],
    ['host userns', { userns_mode: 'host' }, 'host user namespace'],
    ['devices', { devices: ['/dev/kvm'] }, 'devices'],
    [
      'docker socket',
      { volumes: [{ host: '/var/run/docker.sock', container: '/s', mode: 'ro' }] },
      'Docker socket',
    ],
    ['rw //etc/', { volumes: [{ host: '//etc/', container: '/e' }] }, 'read-write mount of /etc'],
    ['host network', { network: 'host' }, '--allow-host-network'],
  ])('refuses %s with -32001 naming the rule', async (_name, extra, text) => {
    await expect(handler({ image: 'busybox', ...extra }, call)).rejects.toMatchObject({
      code: -32001,
      message: expect.stringContaining(text),
    });
  });

  it('refuses a symlink that leads into a system path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tomo-agent-link-'));
    try {
      symlinkSync('/etc', join(dir, 'config'));
      await expect(
        handler(
          { image: 'busybox', volumes: [{ host: join(dir, 'config'), container: '/c' }] },
          call,
        ),
      ).rejects.toMatchObject({ code: -32001, message: expect.stringContaining('(/etc)') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
