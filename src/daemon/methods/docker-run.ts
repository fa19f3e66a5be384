import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import type Docker from 'dockerode';
import {
  checkContainerPolicy,
  describeViolations,
  type PolicyContext,
  type PolicyMount,
} from '../container-policy';
import { RpcError, RpcErrorCode } from '../protocol';
import type { MethodHandler } from '../rpc-server';
import { dockerCall, dockerErrorMessage, dockerStatusCode } from './docker-client';
import { pullImage } from './docker-resources';
import { createOptions, parseRunParams } from './docker-run-params';

/**
 * The real host path behind a bind source: symlinks in the existing part resolved, the missing
 * rest (Docker creates it) appended. Without this, `/srv/link -> /etc` would pass the policy.
 */
export async function resolveHostPath(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await fs.realpath(current);
      return posix.join(real, ...missing.reverse());
    } catch {
      if (current === '/') return path;
      missing.push(posix.basename(current));
      current = posix.dirname(current);
    }
  }
}

export interface RunDeps {
  docker: Docker;
  policy: PolicyContext;
}

export function runMethod(deps: RunDeps): MethodHandler {
  return async (params) => {
    const spec = parseRunParams(params);
    const mounts: PolicyMount[] = await Promise.all(
      spec.mounts.map(async (m) =>
        m.source.startsWith('/')
          ? {
              source: m.source,
              resolvedSource: await resolveHostPath(m.source),
              readOnly: m.readOnly,
            }
          : { source: m.source, readOnly: m.readOnly },
      ),
    );
    const violations = checkContainerPolicy(
      {
        privileged: spec.privileged,
        capAdd: spec.capAdd,
        pidMode: spec.pidMode,
        ipcMode: spec.ipcMode,
        utsMode: spec.utsMode,
        usernsMode: spec.usernsMode,
        devices: spec.devices,
        network: spec.network,
        mounts,
      },
      deps.policy,
    );
    if (violations.length > 0) {
      throw new RpcError(RpcErrorCode.policyBlocked, describeViolations(violations), {
        rules: violations.map((v) => v.rule),
      });
    }
    const options = createOptions(spec);
    const container = await dockerCall(async () => {
      try {
        return await deps.docker.createContainer(options);
      } catch (err) {
        // Like `docker run`: a missing image is pulled, then the create is tried once more.
        if (dockerStatusCode(err) !== 404 || !/no such image/i.test(dockerErrorMessage(err))) {
          throw err;
        }
      }
      await pullImage(deps.docker, spec.image);
      return deps.docker.createContainer(options);
    }, 15 * 60_000);
    try {
      await dockerCall(() => container.start());
    } catch (err) {
      // A container that was created but cannot start (port taken, …) would block a retry
      // under the same name; it is removed and Docker's reason returned.
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    const info = await dockerCall(() => container.inspect());
    return { id: info.Id, name: info.Name.replace(/^\//, ''), container_id: info.Id };
  };
}
