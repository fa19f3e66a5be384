import { execFileSync } from 'node:child_process';

/** Helpers of the apps suites: what Docker really has for an installation, and its web page. */

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 }).trim();
}

/** The 12 hex digits that name an installation's network, containers and volumes. */
export function shortId(installationId: string): string {
  return installationId.replace(/-/g, '').slice(0, 12);
}

/** Names of the containers carrying the installation's label, sorted. */
export function containersOf(installationId: string): string[] {
  return docker(
    'ps',
    '-a',
    '--filter',
    `label=tomo.installation=${installationId}`,
    '--format',
    '{{.Names}}',
  )
    .split('\n')
    .filter(Boolean)
    .sort();
}

export async function httpGet(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return (await response.text()).trim();
}
