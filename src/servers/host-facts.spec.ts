import { execFileSync } from 'node:child_process';
import { HOST_FACTS_COMMAND, parseDockerVersion, parseHostFacts } from './host-facts';

describe('host facts', () => {
  it('parses what the probe script prints', () => {
    const facts = parseHostFacts(
      [
        'arch=x86_64',
        'os=Debian GNU/Linux 12 (bookworm)',
        'os_id=debian',
        'os_like=',
        'docker=Docker version 20.10.24+dfsg1, build 297e128',
        'uid=0',
      ].join('\n'),
    );
    expect(facts).toEqual({
      arch: 'x86_64',
      os: 'Debian GNU/Linux 12 (bookworm)',
      osId: 'debian',
      osLike: [],
      dockerInstalled: true,
      dockerVersion: '20.10.24+dfsg1',
      isRoot: true,
    });
  });

  it('reports no Docker and the OS family of a derivative', () => {
    const facts = parseHostFacts(
      'arch=aarch64\nos=Rocky Linux 9\nos_id=rocky\nos_like=rhel centos fedora\nuid=1000\n',
    );
    expect(facts.dockerInstalled).toBe(false);
    expect(facts.osLike).toEqual(['rhel', 'centos', 'fedora']);
    expect(facts.isRoot).toBe(false);
  });

  it('reads versions of the usual docker --version formats', () => {
    expect(parseDockerVersion('Docker version 27.3.1, build ce12230')).toBe('27.3.1');
    expect(parseDockerVersion('podman version 4.9.3')).toBe('4.9.3');
    expect(parseDockerVersion('nonsense')).toBeNull();
  });

  it('runs in a real sh and describes this machine', () => {
    const facts = parseHostFacts(
      execFileSync('sh', ['-c', HOST_FACTS_COMMAND], { encoding: 'utf8' }),
    );
    expect(facts.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    expect(facts.isRoot).toBe(process.getuid?.() === 0);
  });
});
