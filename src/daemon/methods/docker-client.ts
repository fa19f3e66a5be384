import Docker from 'dockerode';
import { errorMessage } from '../logger';
import { RpcError, RpcErrorCode, isPlainObject } from '../protocol';

export function createDockerClient(socketPath: string): Docker {
  return new Docker({ socketPath });
}

/** Docker answers slowly under load but should not hang; the backend gives up after 30 s anyway. */
export const DOCKER_TIMEOUT_MS = 60_000;

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE']);

export function dockerStatusCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Docker's own message (`No such container: x`), without dockerode's `(HTTP code 404) …` prefix. */
export function dockerErrorMessage(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const json = (err as { json?: unknown }).json;
  if (isPlainObject(json) && typeof json.message === 'string') return json.message.trim();
  const code = (err as { code?: unknown }).code;
  const message = errorMessage(err);
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return `Docker is not reachable: ${message}`;
  }
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** Runs a Docker call; its failures become -32003 with Docker's message, a hang -32004. */
export async function dockerCall<T>(
  operation: () => Promise<T>,
  timeoutMs: number = DOCKER_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RpcError(RpcErrorCode.timedOut, `Docker did not answer within ${timeoutMs / 1000}s`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([operation(), timeout]);
  } catch (err) {
    if (err instanceof RpcError) throw err;
    throw new RpcError(RpcErrorCode.dockerError, dockerErrorMessage(err));
  } finally {
    clearTimeout(timer);
  }
}
