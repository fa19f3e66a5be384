import type Docker from 'dockerode';
import type { MethodHandler } from '../rpc-server';
import { dockerCall } from './docker-client';
import { optionalBoolean, optionalString, optionalStringMap, requiredString } from './params';

/** Pulls can take minutes; the backend waits for the pull's own timeout plus 5 s. */
const PULL_TIMEOUT_MS = 30 * 60_000;

/** `nginx` + `latest` → `nginx:latest`; a reference that already names a tag or digest is kept. */
export function imageReference(image: string, tag: string | undefined): string {
  if (image.includes('@')) return image;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  if (lastSegment.includes(':')) return image;
  return `${image}:${tag ?? 'latest'}`;
}

/** Pulls and waits for the end; Docker reports pull failures inside the stream, not as a status. */
export async function pullImage(docker: Docker, reference: string): Promise<void> {
  const stream = await docker.pull(imageReference(reference, undefined));
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: unknown[]) => {
      if (err) return reject(err);
      const failed = output.find(
        (event): event is { error: string } =>
          typeof event === 'object' &&
          event !== null &&
          typeof (event as { error?: unknown }).error === 'string',
      );
      if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
}

function withoutNoneTags(tags: string[] | null | undefined): string[] {
  return (tags ?? []).filter((t) => t !== '<none>:<none>');
}

export function resourceMethods(docker: Docker): Record<string, MethodHandler> {
  return {
    'docker.images.list': async () => {
      const images = await dockerCall(() => docker.listImages());
      return images.map((i) => ({ id: i.Id, tags: withoutNoneTags(i.RepoTags), size: i.Size }));
    },

    'docker.images.pull': async (params) => {
      const reference = imageReference(
        requiredString(params, 'image'),
        optionalString(params, 'tag') || 'latest',
      );
      await dockerCall(() => pullImage(docker, reference), PULL_TIMEOUT_MS);
      const info = await dockerCall(() => docker.getImage(reference).inspect());
      return { id: info.Id, tags: withoutNoneTags(info.RepoTags) };
    },

    'docker.images.remove': async (params) => {
      const image = docker.getImage(requiredString(params, 'image'));
      const force = optionalBoolean(params, 'force', false);
      await dockerCall(() => image.remove({ force }));
      return { status: 'removed' };
    },

    'docker.volumes.list': async () => {
      const result = await dockerCall(() => docker.listVolumes());
      return (result.Volumes ?? []).map((v) => ({
        name: v.Name,
        driver: v.Driver,
        mountpoint: v.Mountpoint,
      }));
    },

    'docker.volumes.create': async (params) => {
      const name = requiredString(params, 'name');
      const labels = optionalStringMap(params, 'labels');
      const volume = await dockerCall(() => docker.createVolume({ Name: name, Labels: labels }));
      const info = await dockerCall(() => volume.inspect());
      return { name: info.Name, driver: info.Driver };
    },

    'docker.volumes.remove': async (params) => {
      const volume = docker.getVolume(requiredString(params, 'name'));
      const force = optionalBoolean(params, 'force', false);
      await dockerCall(() => volume.remove({ force }));
      return { status: 'removed' };
    },

    'docker.networks.list': async () => {
      const networks = await dockerCall(() => docker.listNetworks());
      return networks.map((n) => ({ id: n.Id, name: n.Name, driver: n.Driver }));
    },

    'docker.networks.create': async (params) => {
      const name = requiredString(params, 'name');
      const driver = optionalString(params, 'driver') || 'bridge';
      const labels = optionalStringMap(params, 'labels');
      const network = await dockerCall(() =>
        docker.createNetwork({ Name: name, Driver: driver, Labels: labels, CheckDuplicate: true }),
      );
      return { id: network.id, name };
    },

    'docker.networks.remove': async (params) => {
      const network = docker.getNetwork(requiredString(params, 'name'));
      await dockerCall(() => network.remove());
      return { status: 'removed' };
    },
  };
}
