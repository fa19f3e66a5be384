import {
  checkContainerPolicy,
  describeViolations,
  isAtOrBelow,
  normalizeHostPath,
  type PolicyContext,
  type PolicyMount,
  type PolicyRequest,
} from './container-policy';

const ctx: PolicyContext = { allowHostNetwork: false, dockerSocketPaths: ['/var/run/docker.sock'] };

function rules(req: PolicyRequest, context: PolicyContext = ctx): string[] {
  return checkContainerPolicy(req, context).map((v) => v.rule);
}

function mount(source: string, readOnly = false, resolvedSource?: string): PolicyRequest {
  const m: PolicyMount = { source, readOnly };
  if (resolvedSource !== undefined) m.resolvedSource = resolvedSource;
  return { mounts: [m] };
}

describe('container policy', () => {
  describe('path normalisation', () => {
    it.each([
      ['/etc', '/etc'],
      ['/etc/', '/etc'],
      ['//etc', '/etc'],
      ['///etc//ssh/', '/etc/ssh'],
      ['/etc/../etc', '/etc'],
      ['/srv/../etc/./', '/etc'],
      ['/srv/app/..', '/srv'],
      ['/..', '/'],
      ['/../../', '/'],
      ['/', '/'],
    ])('%s → %s', (input, expected) => {
      expect(normalizeHostPath(input)).toBe(expected);
    });

    it('refuses relative paths and NUL bytes', () => {
      expect(normalizeHostPath('etc')).toBeNull();
      expect(normalizeHostPath('./etc')).toBeNull();
      expect(normalizeHostPath('../etc')).toBeNull();
      expect(normalizeHostPath('/etc\0/x')).toBeNull();
    });

    it('knows what lies below what, by whole segments', () => {
      expect(isAtOrBelow('/etc/ssh', '/etc')).toBe(true);
      expect(isAtOrBelow('/etc', '/etc')).toBe(true);
      expect(isAtOrBelow('/etcetera', '/etc')).toBe(false);
      expect(isAtOrBelow('/variable', '/var')).toBe(false);
      expect(isAtOrBelow('/anything', '/')).toBe(true);
    });
  });

  describe('allowed', () => {
    it.each<[string, PolicyRequest]>([
      ['an empty request', {}],
      ['privileged: false', { privileged: false }],
      ['harmless capabilities', { capAdd: ['NET_ADMIN', 'CHOWN', 'cap_net_bind_service'] }],
      ['a private PID namespace', { pidMode: 'container:abc' }],
      ['an empty device list', { devices: [] }],
      ['bridge network', { network: 'bridge' }],
      ['a user-defined network', { network: 'tomo-apps' }],
      ['a network sharing another container', { network: 'container:db' }],
      ['rw mount of an app directory', mount('/srv/apps/blog/data')],
      ['rw mount of /opt', mount('/opt/tomo/apps/x')],
      ['rw mount of /data', mount('/data')],
      ['rw mount of /mnt', mount('/mnt/disk1/media')],
      ['ro mount of /etc/ssl/certs', mount('/etc/ssl/certs', true)],
      ['ro mount of /etc/localtime', mount('/etc/localtime', true)],
      ['ro mount of /usr/share/zoneinfo', mount('/usr/share/zoneinfo', true)],
      ['rw mount of a look-alike of /etc', mount('/etcetera/data')],
      ['rw mount of a look-alike of /var', mount('/variable')],
      ['rw mount of a named volume', mount('pgdata')],
      ['rw mount of a named volume called etc', mount('etc')],
      ['rw mount of /tmp', mount('/tmp/build')],
    ])('%s', (_name, req) => {
      expect(checkContainerPolicy(req, ctx)).toEqual([]);
    });

    it('allows network host with --allow-host-network', () => {
      expect(rules({ network: 'host' }, { ...ctx, allowHostNetwork: true })).toEqual([]);
    });
  });

  describe('refused', () => {
    it.each<[string, PolicyRequest, string]>([
      ['privileged', { privileged: true }, 'privileged'],
      ['capability ALL', { capAdd: ['ALL'] }, 'capabilities'],
      ['capability all (lower case)', { capAdd: ['all'] }, 'capabilities'],
      ['capability SYS_ADMIN', { capAdd: ['SYS_ADMIN'] }, 'capabilities'],
      ['capability CAP_SYS_ADMIN', { capAdd: ['CAP_SYS_ADMIN'] }, 'capabilities'],
      ['capability sys_ptrace', { capAdd: ['sys_ptrace'] }, 'capabilities'],
      ['capability SYS_RAWIO', { capAdd: ['SYS_RAWIO'] }, 'capabilities'],
      ['capability SYS_MODULE with spaces', { capAdd: [' SYS_MODULE '] }, 'capabilities'],
      ['host PID namespace', { pidMode: 'host' }, 'host-namespaces'],
      ['host IPC namespace', { ipcMode: 'host' }, 'host-namespaces'],
      ['host UTS namespace', { utsMode: 'HOST' }, 'host-namespaces'],
      ['host user namespace', { usernsMode: ' host' }, 'host-namespaces'],
      ['devices', { devices: ['/dev/sda:/dev/sda'] }, 'devices'],
      ['devices as objects', { devices: [{ PathOnHost: '/dev/kvm' }] }, 'devices'],
      ['network host', { network: 'host' }, 'host-network'],
      ['network HOST', { network: 'HOST' }, 'host-network'],
      ['the Docker socket, read-only', mount('/var/run/docker.sock', true), 'docker-socket'],
      ['the Docker socket via /run', mount('/run/docker.sock', true), 'docker-socket'],
      [
        'the Docker socket spelled //var/run/',
        mount('//var//run/docker.sock', true),
        'docker-socket',
      ],
      ['the Docker socket via ..', mount('/srv/../run/docker.sock', true), 'docker-socket'],
      [
        'a socket named docker.sock elsewhere',
        mount('/run/user/1000/docker.sock', true),
        'docker-socket',
      ],
      ['the directory holding the socket', mount('/run', true), 'docker-socket'],
      ['/var/run read-only', mount('/var/run/', true), 'docker-socket'],
      ['a symlink to the socket', mount('/srv/sock', true, '/run/docker.sock'), 'docker-socket'],
      ['rw mount of /etc', mount('/etc'), 'system-paths'],
      ['rw mount of /etc/', mount('/etc/'), 'system-paths'],
      ['rw mount of //etc', mount('//etc'), 'system-paths'],
      ['rw mount of /etc/../etc', mount('/etc/../etc'), 'system-paths'],
      ['rw mount of /srv/../etc/ssh', mount('/srv/../etc/ssh'), 'system-paths'],
      ['rw mount of /etc/.', mount('/etc/.'), 'system-paths'],
      ['rw mount below /var', mount('/var/lib/docker/volumes'), 'system-paths'],
      ['rw mount of /usr/local/bin', mount('/usr/local/bin'), 'system-paths'],
      ['rw mount of /bin', mount('/bin'), 'system-paths'],
      ['rw mount of /sbin', mount('/sbin'), 'system-paths'],
      ['rw mount of /lib/modules', mount('/lib/modules'), 'system-paths'],
      ['rw mount of /root/.ssh', mount('/root/.ssh'), 'system-paths'],
      ['rw mount of /home/alice', mount('/home/alice'), 'system-paths'],
      ['rw mount of /boot', mount('/boot'), 'system-paths'],
      ['rw mount of /proc/sys', mount('/proc/sys'), 'system-paths'],
      ['rw mount of /sys/fs/cgroup', mount('/sys/fs/cgroup'), 'system-paths'],
      ['rw mount of /dev', mount('/dev'), 'system-paths'],
      ['rw mount of a symlink into /etc', mount('/srv/link', false, '/etc/ssh'), 'system-paths'],
      ['a relative mount source', mount('../etc'), 'mount-source'],
      ['a mount source with a NUL byte', mount('/srv/\0x'), 'mount-source'],
    ])('%s', (_name, req, rule) => {
      expect(rules(req)).toContain(rule);
    });

    it('refuses rw and ro mounts of / (the root holds the socket)', () => {
      expect(rules(mount('/'))).toEqual(expect.arrayContaining(['system-paths', 'docker-socket']));
      expect(rules(mount('/', true))).toEqual(['docker-socket']);
      expect(rules(mount('/..'))).toContain('system-paths');
    });

    it('refuses a configured socket path too', () => {
      const custom = { ...ctx, dockerSocketPaths: ['/srv/docker/engine.sock'] };
      expect(rules(mount('/srv/docker/engine.sock', true), custom)).toEqual(['docker-socket']);
      expect(rules(mount('/srv/docker', true), custom)).toEqual(['docker-socket']);
      expect(rules(mount('/srv/dockerfiles', true), custom)).toEqual([]);
    });

    it('reports every broken rule in one message naming them', () => {
      const violations = checkContainerPolicy(
        {
          privileged: true,
          capAdd: ['SYS_ADMIN', 'NET_ADMIN'],
          pidMode: 'host',
          network: 'host',
          mounts: [{ source: '/etc', readOnly: false }],
        },
        ctx,
      );
      expect(violations.map((v) => v.rule)).toEqual([
        'privileged',
        'capabilities',
        'host-namespaces',
        'host-network',
        'system-paths',
      ]);
      const message = describeViolations(violations);
      expect(message).toMatch(/^Blocked by agent policy: /);
      expect(message).toContain('agent policy: privileged');
      expect(message).toContain('capability SYS_ADMIN');
      expect(message).toContain('--allow-host-network');
      expect(message).toContain('read-write mount of /etc');
    });

    it('checks the symlink target even when the given path looks harmless', () => {
      const violations = checkContainerPolicy(mount('/srv/innocent', false, '/etc'), ctx);
      expect(violations[0]?.message).toContain('/srv/innocent (/etc)');
    });
  });
});
