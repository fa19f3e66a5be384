import { execFileSync } from 'node:child_process';
import {
  AGENT_HOST_PROBE,
  asRoot,
  envFile,
  isLoopbackHost,
  launcherScript,
  nodeArchOf,
  parseAgentHost,
  startScript,
  stopScript,
  supervisorScript,
  systemdUnit,
  uninstallScript,
  writeFileScript,
} from './agent-install-scripts';

/** `sh -n`: the script parses (nothing runs). */
function parses(script: string): void {
  execFileSync('sh', ['-n'], { input: script });
}

describe('agent install scripts', () => {
  it('every script is valid POSIX shell', () => {
    for (const script of [
      AGENT_HOST_PROBE,
      writeFileScript('/opt/tomo-agent/node', '0755', true),
      launcherScript('/usr/bin/node'),
      supervisorScript(),
      stopScript(),
      startScript({ systemd: true, setsid: true }),
      startScript({ systemd: false, setsid: false }),
      uninstallScript(),
    ]) {
      expect(() => parses(script)).not.toThrow();
    }
  });

  it('the probe runs here and reads this machine', () => {
    const host = parseAgentHost(execFileSync('sh', ['-c', AGENT_HOST_PROBE], { encoding: 'utf8' }));
    expect(nodeArchOf(host.arch)).toBe(process.arch);
    expect(host.isRoot).toBe(process.getuid?.() === 0);
  });

  it('parses the probe output, ignoring what it does not expect', () => {
    expect(
      parseAgentHost(
        'arch=aarch64\nuid=1000\nsystemd=1\nnode=v22.3.0\nnode_path=/usr/bin/node\nsudo=1\nruntime_sha256=nothex\n',
      ),
    ).toEqual({
      arch: 'aarch64',
      isRoot: false,
      canSudo: true,
      systemd: true,
      nodeMajor: 22,
      nodePath: '/usr/bin/node',
      gzip: false,
      setsid: false,
      runtimeSha256: null,
    });
    expect(parseAgentHost('')).toMatchObject({ arch: null, nodeMajor: null, isRoot: false });
  });

  it('maps uname -m to Node architectures', () => {
    expect(nodeArchOf('x86_64')).toBe('x64');
    expect(nodeArchOf('aarch64')).toBe('arm64');
    expect(nodeArchOf('mips')).toBeNull();
  });

  it('runs as root directly, through sudo -n otherwise, with the command one quoted word', () => {
    expect(asRoot("echo 'a'", { isRoot: true })).toBe(`sh -c 'echo '\\''a'\\'''`);
    expect(asRoot('true', { isRoot: false })).toBe(`sudo -n sh -c 'true'`);
  });

  it('the env file quotes values and refuses those that cannot be quoted', () => {
    expect(envFile('ws://10.0.0.5:8000/ws/agent', 'ABCD-EFGH')).toContain(
      "SERVER_URL='ws://10.0.0.5:8000/ws/agent'\nREGISTER_CODE='ABCD-EFGH'\n",
    );
    expect(() => envFile("ws://x/ws/agent?a='b'", 'C')).toThrow(/cannot contain quotes/);
    expect(() => envFile('ws://x/ws/agent', 'C\nX=1')).toThrow(/line breaks/);
  });

  it('systemd does not restart an agent that was revoked, misused or refused its code', () => {
    expect(systemdUnit()).toContain('Restart=always\n');
    expect(systemdUnit()).toContain('RestartPreventExitStatus=2 3 4\n');
    expect(supervisorScript()).toContain('0|2|3|4)');
  });

  it('the launcher passes arguments through to the bundle with the chosen runtime', () => {
    expect(launcherScript("/opt/my node's/node")).toContain(
      `exec '/opt/my node'\\''s/node' /opt/tomo-agent/tomo-agent.cjs "$@"`,
    );
  });

  it("knows which backend addresses only the backend's own machine can reach", () => {
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '127.8.0.2', '[::1]', '::1']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ['10.0.0.5', 'tomo.example.org', '[2001:db8::1]', '128.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
