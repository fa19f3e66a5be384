import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DomainError } from '../../common/errors/domain-error';

const gzipAsync = promisify(gzip);

/** The bundle `npm run build` writes (scripts/bundle-agent.js), from dist/ or from src/. */
const BUNDLE_CANDIDATES = [
  join(__dirname, '../../../agent/tomo-agent.cjs'),
  join(__dirname, '../../../dist/agent/tomo-agent.cjs'),
];

export interface Artifact {
  bytes: Buffer;
  sha256: string;
}

/**
 * What install_agent copies to a server: the daemon bundle (one file, its dependencies inside)
 * and, where the server's CPU matches, the Node.js runtime this backend runs on, so the agent
 * does not depend on whatever Node.js the server has (or lacks).
 */
@Injectable()
export class AgentArtifacts {
  private runtimeHash?: Promise<string>;

  async bundle(): Promise<Artifact> {
    const path = BUNDLE_CANDIDATES.find((candidate) => existsSync(candidate));
    if (!path) {
      throw new DomainError(
        'UNAVAILABLE',
        'The agent bundle (dist/agent/tomo-agent.cjs) is missing; run `npm run build` on the Tomo host.',
      );
    }
    const bytes = await readFile(path);
    return { bytes, sha256: sha256Of(bytes) };
  }

  /** The runtime ships only to Linux servers with this backend's CPU architecture. */
  runtimeFits(nodeArch: string | null): boolean {
    return process.platform === 'linux' && nodeArch === process.arch;
  }

  /** sha256 of this process's Node.js binary, computed once (streamed: it is ~100 MB). */
  runtimeSha256(): Promise<string> {
    this.runtimeHash ??= new Promise((resolve, reject) => {
      const hash = createHash('sha256');
      createReadStream(process.execPath)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', () => resolve(hash.digest('hex')))
        .on('error', reject);
    });
    return this.runtimeHash;
  }

  /** The runtime's bytes, gzip-compressed (level 1: fast, ~40 % of the size) when asked. */
  async runtime(compress: boolean): Promise<Buffer> {
    const bytes = await readFile(process.execPath);
    return compress ? gzipAsync(bytes, { level: 1 }) : bytes;
  }
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
