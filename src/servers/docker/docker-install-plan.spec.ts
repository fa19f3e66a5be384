import { DomainError } from '../../common/errors/domain-error';
import type { HostFacts } from '../host-facts';
import { dockerInstallPlan, osFamilyOf } from './docker-install-plan';
import { parseDockerStatus } from './docker.service';

const facts = (osId: string, osLike: string[] = [], isRoot = true): HostFacts => ({
  arch: 'x86_64',
  os: osId,
  osId,
  osLike,
  dockerInstalled: false,
  dockerVersion: null,
  isRoot,
});

describe('docker install plan', () => {
  it.each([
    ['debian', [], 'apt-get install -y -q docker.io'],
    ['ubuntu', ['debian'], 'apt-get install -y -q docker.io'],
    ['fedora', [], 'dnf install -y moby-engine'],
    ['rocky', ['rhel', 'centos', 'fedora'], 'dnf install -y docker'],
    ['alpine', [], 'apk add --no-cache docker'],
    ['arch', [], 'pacman -Sy --noconfirm --needed docker'],
  ])('installs with the package manager of %s', (osId, like, expected) => {
    const [engine, compose, start] = dockerInstallPlan(facts(osId, like));
    expect(engine!.command).toContain(expected);
    expect(compose!.optional).toBe(true);
    expect(start!.command).toContain('docker info');
  });

  it('finds the family through ID_LIKE', () => {
    expect(osFamilyOf({ osId: 'pop', osLike: ['ubuntu', 'debian'] })).toBe('debian');
    expect(osFamilyOf({ osId: 'mystery', osLike: ['ubuntu'] })).toBe('debian');
    expect(osFamilyOf({ osId: 'freebsd', osLike: [] })).toBeNull();
  });

  it('goes through sudo -n for a user that is not root, quoting the script as one word', () => {
    const [engine] = dockerInstallPlan(facts('debian', [], false));
    expect(engine!.command).toMatch(/^sudo -n sh -c '.*'$/);
    const [asRoot] = dockerInstallPlan(facts('debian'));
    expect(asRoot!.command).toMatch(/^sh -c '/);
  });

  it('names the supported systems for anything else', () => {
    let error: unknown;
    try {
      dockerInstallPlan({ ...facts('freebsd'), os: 'FreeBSD 14' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('UNSUPPORTED_OS');
    expect((error as DomainError).message).toMatch(/FreeBSD 14.*Install Docker by hand/);
  });
});

describe('docker status', () => {
  it('reads a running engine', () => {
    expect(
      parseDockerStatus(
        'installed=1\nclient=Docker version 20.10.24+dfsg1, build 297e128\nserver=20.10.24+dfsg1|1.41\ncompose=1\n',
      ),
    ).toEqual({
      installed: true,
      running: true,
      version: '20.10.24+dfsg1',
      api_version: '1.41',
      compose_available: true,
      error: null,
    });
  });

  it('tells an installed but stopped engine from a missing one', () => {
    const stopped = parseDockerStatus(
      'installed=1\nclient=Docker version 27.0.1, build x\nserver_error=Cannot connect to the Docker daemon\ncompose=0\n',
    );
    expect(stopped).toMatchObject({ installed: true, running: false, version: '27.0.1' });
    expect(stopped.error).toMatch(/daemon does not answer: Cannot connect/);
    expect(parseDockerStatus('installed=0\n')).toMatchObject({ installed: false, running: false });
  });
});
