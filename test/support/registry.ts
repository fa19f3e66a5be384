import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import type { InfraRequirement } from './infra';

const REGISTRY_BIN = '/usr/bin/docker-registry';

export function registryRequirement(): InfraRequirement {
  return {
    name: 'docker-registry',
    available: existsSync(REGISTRY_BIN),
    reason: "needs Debian's docker-registry (scripts/provision-docker.sh)",
  };
}

/**
 * A real image registry (Debian's docker-registry, distribution 2.8) on a free loopback port,
 * storing into a temporary directory. 127.0.0.0/8 is an insecure registry for Docker by default,
 * so `docker push/pull 127.0.0.1:<port>/…` works without TLS.
 */
export class TestRegistry {
  private constructor(
    readonly port: number,
    private readonly process: ChildProcess,
    private readonly root: string,
  ) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRegistry> {
    const root = mkdtempSync(join(tmpdir(), 'tomo-registry-'));
    const port = await freePort();
    const config = join(root, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
    );
    const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: 'ignore' });
    const registry = new TestRegistry(port, child, root);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok) return registry;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        registry.stop();
        throw new Error('docker-registry did not start');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Tags a local image into this registry, pushes it, and removes the local tag again. */
  push(localImage: string, name: string): string {
    const remote = `${this.host}/${name}`;
    execFileSync('docker', ['tag', localImage, remote], { stdio: 'ignore' });
    execFileSync('docker', ['push', '--quiet', remote], { stdio: 'ignore', timeout: 120_000 });
    execFileSync('docker', ['rmi', remote], { stdio: 'ignore' });
    return remote;
  }

  stop(): void {
    if (this.process.exitCode === null) this.process.kill('SIGTERM');
    rmSync(this.root, { recursive: true, force: true });
  }
}
