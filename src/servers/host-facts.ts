/**
 * What Tomo learns about a server from one short, fixed shell script: architecture, OS and
 * whether a Docker client is installed. The script takes no input, so nothing is interpolated.
 */
export const HOST_FACTS_COMMAND = [
  '(',
  `printf 'arch=%s\\n' "$(uname -m)";`,
  'if [ -r /etc/os-release ]; then . /etc/os-release;',
  `printf 'os=%s\\nos_id=%s\\nos_like=%s\\n' "\${PRETTY_NAME:-$NAME}" "$ID" "$ID_LIKE"; fi;`,
  `if command -v docker >/dev/null 2>&1; then printf 'docker=%s\\n' "$(docker --version 2>/dev/null)"; fi;`,
  `printf 'uid=%s\\n' "$(id -u)"`,
  ')',
].join(' ');

export interface HostFacts {
  arch: string | null;
  /** PRETTY_NAME of /etc/os-release, e.g. "Debian GNU/Linux 12 (bookworm)". */
  os: string | null;
  /** ID of /etc/os-release (debian, ubuntu, fedora, alpine, arch…). */
  osId: string | null;
  /** ID_LIKE of /etc/os-release, space-separated families. */
  osLike: string[];
  dockerInstalled: boolean;
  dockerVersion: string | null;
  isRoot: boolean;
}

/** "Docker version 20.10.24+dfsg1, build 297e128" → "20.10.24+dfsg1". */
export function parseDockerVersion(text: string): string | null {
  const match = /version\s+v?([0-9][^\s,]*)/i.exec(text);
  return match?.[1] ?? null;
}

export function parseHostFacts(output: string): HostFacts {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const value = (key: string, max: number): string | null => {
    const text = values.get(key);
    return text ? text.slice(0, max) : null;
  };
  const docker = values.get('docker');
  return {
    arch: value('arch', 32),
    os: value('os', 128),
    osId: value('os_id', 32)?.toLowerCase() ?? null,
    osLike: (values.get('os_like') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    dockerInstalled: docker !== undefined,
    dockerVersion: docker ? parseDockerVersion(docker) : null,
    isRoot: values.get('uid') === '0',
  };
}
