import type Docker from 'dockerode';
import type { Params } from '../protocol';
import type { MethodHandler } from '../rpc-server';
import { dockerCall, dockerStatusCode } from './docker-client';
import { asBuffer, demuxDockerStream, keepTail } from './docker-logs';
import { optionalBoolean, optionalNumber, optionalStringMap, requiredString } from './params';

/** Leaves room in the 1 MiB frame for JSON escaping of the log text. */
export const MAX_LOG_BYTES = 512 * 1024;

function containerName(names: readonly string[] | undefined): string {
  return (names?.[0] ?? '').replace(/^\//, '');
}

/** 304 means "already in that state": the caller asked for a state, and it holds. */
async function idempotent(operation: () => Promise<unknown>): Promise<void> {
  await dockerCall(async () => {
    try {
      await operation();
    } catch (err) {
      if (dockerStatusCode(err) !== 304) throw err;
    }
  });
}

interface StatsSample {
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: { cache?: number; inactive_file?: number; total_inactive_file?: number };
  };
}

/** The arithmetic of `docker stats`: CPU share over the sample, memory less the page cache. */
export function summariseStats(stats: StatsSample): {
  cpu_percent: number;
  memory_usage: number;
  memory_limit: number;
} {
  const cpuDelta =
    (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) -
    (stats.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta =
    (stats.cpu_stats?.system_cpu_usage ?? 0) - (stats.precpu_stats?.system_cpu_usage ?? 0);
  const cpus =
    stats.cpu_stats?.online_cpus ?? stats.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const memory = stats.memory_stats;
  const cache =
    memory?.stats?.inactive_file ?? memory?.stats?.total_inactive_file ?? memory?.stats?.cache ?? 0;
  const usage = Math.max(0, (memory?.usage ?? 0) - cache);
  return {
    cpu_percent: Math.round(cpuPercent * 100) / 100,
    memory_usage: usage,
    memory_limit: memory?.limit ?? 0,
  };
}

export function containerMethods(docker: Docker): Record<string, MethodHandler> {
  const container = (params: Params) => docker.getContainer(requiredString(params, 'container'));

  return {
    'docker.containers.list': async (params) => {
      const all = optionalBoolean(params, 'all', false);
      const labels = optionalStringMap(params, 'labels');
      const labelFilter = Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
      const list = await dockerCall(() =>
        docker.listContainers({
          all,
          ...(labelFilter.length > 0 ? { filters: { label: labelFilter } } : {}),
        }),
      );
      return list.map((c) => ({
        id: c.Id,
        name: containerName(c.Names),
        // The machine-readable state ("running", "exited"); Docker's prose ("Up 2 hours") is
        // kept as an extra field for people.
        status: c.State,
        status_text: c.Status,
        image: c.Image,
        labels: c.Labels ?? {},
      }));
    },

    'docker.containers.start': async (params) => {
      const target = container(params);
      await idempotent(() => target.start());
      return { status: 'started' };
    },

    'docker.containers.restart': async (params) => {
      const target = container(params);
      await dockerCall(() => target.restart());
      return { status: 'restarted' };
    },

    'docker.containers.stop': async (params) => {
      const target = container(params);
      const timeout = optionalNumber(params, 'timeout', 10, { min: 0, max: 3600, integer: true });
      await dockerCall(
        async () => {
          try {
            await target.stop({ t: timeout });
          } catch (err) {
            if (dockerStatusCode(err) !== 304) throw err;
          }
        },
        (timeout + 60) * 1000,
      );
      return { status: 'stopped' };
    },

    'docker.containers.remove': async (params) => {
      const target = container(params);
      const force = optionalBoolean(params, 'force', false);
      await dockerCall(() => target.remove({ force }));
      return { status: 'removed' };
    },

    'docker.containers.logs': async (params) => {
      const target = container(params);
      const tail = optionalNumber(params, 'tail', 100, { min: 0, max: 100_000, integer: true });
      const info = await dockerCall(() => target.inspect());
      const body: unknown = await dockerCall(() =>
        target.logs({ stdout: true, stderr: true, follow: false, tail }),
      );
      const raw = asBuffer(body);
      const bytes = info.Config.Tty ? raw : demuxDockerStream(raw);
      return { logs: keepTail(bytes, MAX_LOG_BYTES) };
    },

    'docker.containers.inspect': async (params) => {
      const target = container(params);
      return dockerCall(() => target.inspect());
    },

    'docker.containers.status': async (params) => {
      const target = container(params);
      const info = await dockerCall(() => target.inspect());
      const state = info.State;
      return {
        status: state.Status,
        health: state.Health?.Status ?? null,
        restart_count: info.RestartCount ?? 0,
        running: state.Running,
        started_at: state.StartedAt ?? null,
        finished_at: state.FinishedAt ?? null,
      };
    },

    'docker.containers.stats': async (params) => {
      const target = container(params);
      const stats = (await dockerCall(() => target.stats({ stream: false }))) as StatsSample;
      return summariseStats(stats);
    },
  };
}
