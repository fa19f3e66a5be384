/**
 * The Docker methods against the real engine of this machine. Nothing is pulled (tests stay on
 * loopback): a one-binary busybox image is made with `docker import` from the host's static
 * busybox. Skipped loudly without Docker, failed instead under TOMO_REQUIRE_INFRA=1.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { machine, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWith, dockerRequirement } from '../../../test/support/infra';
import { MetricsCollector } from '../metrics';
import type { MethodHandler } from '../rpc-server';
import { createDockerClient } from './docker-client';
import { containerMethods } from './docker-containers';
import { resourceMethods } from './docker-resources';
import { runMethod } from './docker-run';
import { systemMethods } from './system';

function staticBusybox(): boolean {
  if (!existsSync('/bin/busybox')) return false;
  try {
    execFileSync('ldd', ['/bin/busybox'], { stdio: 'pipe' });
    return false; // ldd succeeds only for dynamic executables
  } catch {
    return true;
  }
}

const busyboxRequirement = {
  name: 'busybox-static',
  available: staticBusybox(),
  reason:
    'needs a static /bin/busybox to build a test image offline (apt-get install busybox-static)',
};

const run = `tomo-agent-test-${randomBytes(4).toString('hex')}`;
const IMAGE = `${run}:busybox`;
const LABEL = { 'tomo.test': run };

function importBusyboxImage(): void {
  const root = mkdtempSync(join(tmpdir(), 'tomo-agent-rootfs-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tmp'));
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'echo', 'sleep', 'cat', 'true']) {
      symlinkSync('busybox', join(root, 'bin', applet));
    }
    const tar = execFileSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync('docker', ['import', '-c', 'ENV PATH=/bin', '-', IMAGE], { input: tar });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describeWith(dockerRequirement(), busyboxRequirement)('Docker methods on the real engine', () => {
  const docker = createDockerClient('/var/run/docker.sock');
  const methods: Record<string, MethodHandler> = {
    ...containerMethods(docker),
    ...resourceMethods(docker),
    ...systemMethods(docker, new MetricsCollector(docker)),
    'docker.containers.run': runMethod({
      docker,
      policy: { allowHostNetwork: false, dockerSocketPaths: ['/var/run/docker.sock'] },
    }),
  };
  const call = (method: string, params: Record<string, unknown> = {}): Promise<any> => {
    const handler = methods[method];
    if (handler === undefined) throw new Error(`no method ${method}`);
    return handler(params, { id: 'test', method });
  };
  let dataDir: string;

  beforeAll(() => {
    importBusyboxImage();
    dataDir = mkdtempSync(join(tmpdir(), 'tomo-agent-data-'));
  }, 60_000);

  afterAll(() => {
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=tomo.test=${run}`], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    execFileSync('docker', ['image', 'rm', '-f', IMAGE], { stdio: 'ignore' });
    for (const kind of ['volume', 'network']) {
      try {
        execFileSync('docker', [kind, 'rm', run], { stdio: 'ignore' });
      } catch {
        // already removed by the test
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('system.info describes this machine and its Docker', async () => {
    const info = await call('system.info');
    const serverVersion = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
    }).trim();
    expect(info).toEqual({
      os: expect.any(String),
      kernel: expect.any(String),
      arch: machine(),
      hostname: expect.any(String),
      docker_version: serverVersion,
      cpu_count: expect.any(Number),
      memory_total: expect.any(Number),
    });
  });

  it('docker.containers.list answers with the protocol shape', async () => {
    const list = await call('docker.containers.list', { all: true });
    expect(Array.isArray(list)).toBe(true);
    for (const c of list) {
      expect(c).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          name: expect.any(String),
          status: expect.any(String),
          image: expect.any(String),
          labels: expect.any(Object),
        }),
      );
    }
  });

  it('runs, inspects, logs, stops, starts, restarts and removes a container', async () => {
    const started = await call('docker.containers.run', {
      image: IMAGE,
      name: run,
      env: { GREETING: 'hello' },
      labels: LABEL,
      // PID 1 ignores SIGTERM unless it traps it; without the trap every stop waits its timeout.
      command: [
        'sh',
        '-c',
        'trap "exit 0" TERM; echo "$GREETING from tomo"; echo to-stderr >&2; while true; do sleep 1; done',
      ],
      volumes: [{ host: dataDir, container: '/data', mode: 'rw' }],
      restart_policy: 'no',
      healthcheck: { test: ['CMD', 'true'], interval: 1, timeout: 1, retries: 1 },
    });
    expect(started).toEqual({ id: expect.any(String), name: run, container_id: started.id });

    const status = await call('docker.containers.status', { container: run });
    expect(status).toEqual({
      status: 'running',
      health: expect.any(String),
      restart_count: 0,
      running: true,
      started_at: expect.any(String),
      finished_at: expect.any(String),
    });

    const listed = await call('docker.containers.list', { labels: LABEL });
    expect(listed).toEqual([
      {
        id: started.id,
        name: run,
        status: 'running',
        status_text: expect.any(String),
        image: IMAGE,
        labels: LABEL,
      },
    ]);

    await expect(call('docker.containers.inspect', { container: run })).resolves.toMatchObject({
      Id: started.id,
      Config: { Env: expect.arrayContaining(['GREETING=hello']) },
    });

    let logs = '';
    for (let i = 0; i < 20 && !logs.includes('to-stderr'); i++) {
      logs = (await call('docker.containers.logs', { container: run, tail: 10 })).logs;
      if (!logs.includes('to-stderr')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(logs).toContain('hello from tomo\n');
    expect(logs).toContain('to-stderr\n');
    expect(logs).not.toContain('\u0001'); // demultiplexed: no frame headers

    await expect(call('docker.containers.stats', { container: run })).resolves.toEqual({
      cpu_percent: expect.any(Number),
      memory_usage: expect.any(Number),
      memory_limit: expect.any(Number),
    });

    await expect(call('docker.containers.remove', { container: run })).rejects.toMatchObject({
      code: -32003,
    });
    await expect(call('docker.containers.stop', { container: run, timeout: 1 })).resolves.toEqual({
      status: 'stopped',
    });
    await expect(call('docker.containers.stop', { container: run })).resolves.toEqual({
      status: 'stopped',
    });
    expect((await call('docker.containers.status', { container: run })).running).toBe(false);
    await expect(call('docker.containers.start', { container: run })).resolves.toEqual({
      status: 'started',
    });
    await expect(call('docker.containers.start', { container: run })).resolves.toEqual({
      status: 'started',
    });
    await expect(call('docker.containers.restart', { container: run })).resolves.toEqual({
      status: 'restarted',
    });
    await expect(
      call('docker.containers.remove', { container: run, force: true }),
    ).resolves.toEqual({ status: 'removed' });
    await expect(call('docker.containers.inspect', { container: run })).rejects.toMatchObject({
      code: -32003,
      message: expect.stringContaining('No such container'),
    });
  }, 60_000);

  it('refuses a policy violation before Docker creates anything', async () => {
    await expect(
      call('docker.containers.run', {
        image: IMAGE,
        name: `${run}-socket`,
        labels: LABEL,
        volumes: [{ host: '/var/run/docker.sock', container: '/var/run/docker.sock', mode: 'ro' }],
      }),
    ).rejects.toMatchObject({ code: -32001, message: expect.stringContaining('Docker socket') });
    expect(await call('docker.containers.list', { all: true, labels: LABEL })).toEqual([]);
  });

  it('reports a start failure as -32003 and leaves no half-made container', async () => {
    await expect(
      call('docker.containers.run', {
        image: IMAGE,
        name: `${run}-broken`,
        labels: LABEL,
        command: ['/bin/does-not-exist'],
      }),
    ).rejects.toMatchObject({ code: -32003 });
    expect(await call('docker.containers.list', { all: true, labels: LABEL })).toEqual([]);
  });

  it('lists images and manages volumes and networks', async () => {
    const images = await call('docker.images.list');
    expect(images).toEqual(
      expect.arrayContaining([{ id: expect.any(String), tags: [IMAGE], size: expect.any(Number) }]),
    );

    await expect(call('docker.volumes.create', { name: run, labels: LABEL })).resolves.toEqual({
      name: run,
      driver: 'local',
    });
    expect(await call('docker.volumes.list')).toEqual(
      expect.arrayContaining([{ name: run, driver: 'local', mountpoint: expect.any(String) }]),
    );
    await expect(call('docker.volumes.remove', { name: run })).resolves.toEqual({
      status: 'removed',
    });

    const network = await call('docker.networks.create', { name: run, labels: LABEL });
    expect(network).toEqual({ id: expect.any(String), name: run });
    expect(await call('docker.networks.list')).toEqual(
      expect.arrayContaining([{ id: network.id, name: run, driver: 'bridge' }]),
    );
    await expect(call('docker.networks.remove', { name: run })).resolves.toEqual({
      status: 'removed',
    });
    await expect(call('docker.networks.remove', { name: run })).rejects.toMatchObject({
      code: -32003,
    });
  });

  it('system.preflight_check sees Docker, disk, memory and ports', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const busy = (server.address() as AddressInfo).port;
    try {
      const report = await call('system.preflight_check', {
        min_disk_gb: 0,
        min_memory_mb: 0,
        ports: [busy, `${busy}/udp`],
      });
      expect(report).toEqual({
        success: false,
        errors: [`Port ${busy}/tcp is in use`],
        warnings: expect.any(Array),
        docker: { ok: true, version: expect.any(String) },
        disk: { free_gb: expect.any(Number), total_gb: expect.any(Number) },
        memory: { free_mb: expect.any(Number), total_mb: expect.any(Number) },
        ports: { [`${busy}/tcp`]: 'in_use', [`${busy}/udp`]: 'free' },
      });
      const huge = await call('system.preflight_check', { min_disk_gb: 1_000_000 });
      expect(huge.success).toBe(false);
      expect(huge.errors[0]).toMatch(/Not enough disk space/);
    } finally {
      server.close();
    }
  });

  it('system.get_metrics counts containers like docker ps', async () => {
    const metrics = await call('system.get_metrics');
    const running = execFileSync('docker', ['ps', '-q'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
    expect(metrics.containers.running).toBe(running);
    expect(metrics.memory.total).toBeGreaterThan(0);
    expect(metrics.disk.total).toBeGreaterThan(0);
  });
});
