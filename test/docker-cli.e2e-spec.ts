import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { dockerCli } from '../src/deployment/drivers/docker-cli';
import { resolvePlan } from '../src/deployment/plan/resolve-plan';
import type { AppManifest } from '../src/marketplace/manifest/manifest.types';
import { freePort } from './support/free-port';
import { describeWithDocker } from './support/infra';

const INSTALLATION = '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const SHORT = '7c1e2d3f4a5b';

function sh(command: string): string {
  return execFileSync('sh', ['-c', command], { encoding: 'utf8', timeout: 60_000 });
}

/** Cleanup: whatever is left (nothing, when the test passed), without noise. */
function quietly(command: string): void {
  try {
    execFileSync('sh', ['-c', command], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    // not there
  }
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 }).trim();
}

/**
 * The SSH route's docker command lines, run by a real shell against the real engine: a two-service
 * app (web + its dependency) on its own network, with labels, a published port, a named volume, a
 * bind mount, an exec-form healthcheck, and values full of shell metacharacters that stay values.
 */
describeWithDocker('deployment: docker CLI command lines against a real engine', () => {
  let dataRoot: string;
  let port: number;

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'tomo-apps-'));
    port = await freePort();
  });

  afterAll(() => {
    quietly(dockerCli.remove(`tomo-${SHORT}-web`));
    quietly(dockerCli.remove(`tomo-${SHORT}-cache`));
    quietly(dockerCli.networkRemove(`tomo-${SHORT}`));
    quietly(dockerCli.volumeRemove(`tomo-${SHORT}-data`));
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('creates, starts, reports, stops and removes what the plan says', () => {
    const manifest = parse(`
manifest_version: 1
id: cli-demo
name: CLI demo
version: "1.0"
inputs:
  - name: GREETING
    label: Greeting
    type: text
    default: 'hi; touch /tmp/pwned $(id) ''q'' "d"'
services:
  - name: web
    image: tomo-test/busybox:1.35
    command: [busybox, httpd, -f, -p, "8080", -h, /www]
    env: {GREETING: "\${inputs.GREETING}", APP: "\${app_id}"}
    ports: [{container: 8080, host: ${port}, main: true}]
    volumes:
      - {name: data, container: /data}
      - {host: "\${app_data}/www", container: /www, mode: ro}
    healthcheck: {test: [CMD, busybox, wget, -q, -O-, "http://127.0.0.1:8080/"], interval_s: 1, timeout_s: 2, retries: 3}
    depends_on: [cache]
    labels: {com.example.role: front}
  - name: cache
    image: tomo-test/busybox:1.35
    command: [busybox, sleep, "300"]
`) as AppManifest;
    const plan = resolvePlan(manifest, {}, { installationId: INSTALLATION, dataRoot });
    expect(plan.services.map((service) => service.name)).toEqual(['cache', 'web']);
    sh(
      `mkdir -p ${dataRoot}/cli-demo/www && echo hello-from-tomo > ${dataRoot}/cli-demo/www/index.html`,
    );

    const labels = { 'tomo.installation': INSTALLATION, 'tomo.app': 'cli-demo' };
    sh(dockerCli.networkCreate(plan.network, labels));
    for (const volume of plan.volumes) sh(dockerCli.volumeCreate(volume, labels));
    for (const service of plan.services) sh(dockerCli.run(plan, service));

    const web = JSON.parse(docker('inspect', `tomo-${SHORT}-web`))[0];
    expect(web.State.Running).toBe(true);
    expect(web.Config.Labels).toMatchObject({
      'tomo.installation': INSTALLATION,
      'tomo.app': 'cli-demo',
      'tomo.service': 'web',
      'com.example.role': 'front',
    });
    // The hostile default arrived as one literal value: nothing ran on the host or in the shell.
    expect(web.Config.Env).toContain(`GREETING=hi; touch /tmp/pwned $(id) 'q' "d"`);
    expect(web.Config.Env).toContain('APP=cli-demo');
    expect(web.NetworkSettings.Networks[`tomo-${SHORT}`].Aliases).toContain('web');
    expect(web.HostConfig.RestartPolicy.Name).toBe('unless-stopped');

    // The published port serves the bind-mounted file; the web service reaches "cache" by name.
    const body = sh(
      `busybox wget -q -O- http://127.0.0.1:${port}/ 2>/dev/null || curl -s http://127.0.0.1:${port}/`,
    );
    expect(body.trim()).toBe('hello-from-tomo');
    expect(
      docker('exec', `tomo-${SHORT}-web`, 'busybox', 'ping', '-c', '1', '-W', '2', 'cache'),
    ).toMatch(/1 packets received/);

    const states = sh(dockerCli.status(INSTALLATION))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { Names: string; State: string });
    expect(states.map((state) => `${state.Names}:${state.State}`).sort()).toEqual([
      `tomo-${SHORT}-cache:running`,
      `tomo-${SHORT}-web:running`,
    ]);

    sh(dockerCli.stop(`tomo-${SHORT}-web`, 2));
    expect(JSON.parse(docker('inspect', `tomo-${SHORT}-web`))[0].State.Running).toBe(false);
    for (const service of plan.services) sh(dockerCli.remove(service.containerName));
    sh(dockerCli.networkRemove(plan.network));
    for (const volume of plan.volumes) sh(dockerCli.volumeRemove(volume));
    expect(sh(dockerCli.status(INSTALLATION)).trim()).toBe('');
    expect(docker('network', 'ls', '--filter', `name=tomo-${SHORT}`, '--format', '{{.Name}}')).toBe(
      '',
    );
  }, 120_000);
});
