import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from './logger';
import { isPlainObject } from './protocol';

/** The state file of AGENT_PROTOCOL.md §6. It holds the agent's only credential: mode 0600. */
export interface AgentState {
  agent_id: string;
  token: string;
  server_url: string;
  registered_at: string;
}

export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

const REQUIRED_FIELDS = ['agent_id', 'token', 'server_url', 'registered_at'] as const;

function hasCode(err: unknown, code: string): boolean {
  // Duck-typed: errors from Node's core can come from another realm (Jest's sandbox, vm).
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** The state, or null when the file does not exist (first run). A damaged file is an error. */
export async function loadState(path: string): Promise<AgentState | null> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null;
    throw new StateFileError(`cannot read state file ${path}: ${errorMessage(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StateFileError(
      `state file ${path} is not valid JSON; delete it and register again with a new code`,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new StateFileError(`state file ${path} does not hold a JSON object`);
  }
  for (const field of REQUIRED_FIELDS) {
    const value = parsed[field];
    if (typeof value !== 'string' || value.length === 0) {
      throw new StateFileError(`state file ${path} lacks "${field}"`);
    }
  }
  // Unknown fields are kept so a newer agent's additions survive a downgrade and a token rotation.
  return parsed as unknown as AgentState;
}

/** Resets a group/world readable state file to 0600; true when it had to. */
export async function tightenPermissions(path: string): Promise<boolean> {
  const stat = await fs.stat(path);
  if ((stat.mode & 0o077) === 0) return false;
  await fs.chmod(path, 0o600);
  return true;
}

/**
 * Writes the whole file to a temporary sibling and renames it over the old one, so a crash
 * leaves either the old or the new token on disk, never half a file. The temporary file is
 * created 0600 from the start: the token is never readable by others, not even briefly.
 */
export async function saveState(path: string, state: AgentState): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // the umask can only remove bits, but be exact anyway
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable; not every filesystem allows fsync on a directory.
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** Serialises writes so two rotations in flight cannot interleave their renames. */
export class StateStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private current: AgentState | null,
  ) {}

  get state(): AgentState | null {
    return this.current;
  }

  save(next: AgentState): Promise<void> {
    const run = this.chain.then(async () => {
      await saveState(this.path, next);
      this.current = next;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Saves the new token; resolves only once it is on disk. */
  async rotateToken(token: string): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.current === null) throw new StateFileError('no state to rotate the token of');
      const next = { ...this.current, token };
      await saveState(this.path, next);
      this.current = next;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
