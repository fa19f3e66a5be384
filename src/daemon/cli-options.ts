import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from './logger';

export const DEFAULT_STATE_FILE = '/var/lib/tomo-agent/state.json';
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export const USAGE = `Usage: tomo-agent --server URL --code CODE [options]

  --server URL            backend agent endpoint, ws://HOST:PORT/ws/agent or wss://… (env SERVER_URL);
                          optional once the state file holds one
  --code CODE             one-time registration code (env REGISTER_CODE); ignored when the state
                          file exists
  --state-file PATH       where the agent id and token are kept (env TOMO_AGENT_STATE,
                          default ${DEFAULT_STATE_FILE})
  --docker-socket PATH    Docker Engine socket (default ${DEFAULT_DOCKER_SOCKET})
  --no-exec               refuse system.exec
  --allow-host-network    allow docker.containers.run with network "host"
  --ca-file PATH          extra PEM CA certificates trusted for wss://
  -h, --help              show this help
  --version               print the agent version

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 fatal error, 2 bad usage, 3 agent revoked,
4 registration code refused.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface AgentOptions {
  /** As given; absent when it should come from the state file. */
  serverUrl?: string;
  code?: string;
  stateFile: string;
  dockerSocket: string;
  noExec: boolean;
  allowHostNetwork: boolean;
  caFile?: string;
}

export type CliCommand =
  { kind: 'run'; options: AgentOptions } | { kind: 'help' } | { kind: 'version' };

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function validateServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server must be a URL like ws://backend:8000/ws/agent (got "${value}")`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UsageError(`--server must start with ws:// or wss:// (got "${url.protocol}//")`);
  }
  return value;
}

/** The URL without credentials or query, fit for logs. */
export function displayUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '[invalid url]';
  }
}

export function parseCli(argv: readonly string[], env: Env): CliCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        code: { type: 'string' },
        'state-file': { type: 'string' },
        'docker-socket': { type: 'string' },
        'no-exec': { type: 'boolean' },
        'allow-host-network': { type: 'boolean' },
        'ca-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }));
  } catch (err) {
    // parseArgs' own messages are clear ("Unknown option '--x'"); only the class changes.
    throw new UsageError(errorMessage(err));
  }
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };

  const str = (name: string): string | undefined => {
    const value = values[name];
    if (typeof value !== 'string') return undefined;
    const trimmed = nonEmpty(value);
    if (trimmed === undefined) throw new UsageError(`--${name} must not be empty`);
    return trimmed;
  };

  const serverUrl = str('server') ?? nonEmpty(env.SERVER_URL);
  const caFile = str('ca-file');
  const options: AgentOptions = {
    serverUrl: serverUrl === undefined ? undefined : validateServerUrl(serverUrl),
    code: str('code') ?? nonEmpty(env.REGISTER_CODE),
    stateFile: resolve(str('state-file') ?? nonEmpty(env.TOMO_AGENT_STATE) ?? DEFAULT_STATE_FILE),
    dockerSocket: resolve(str('docker-socket') ?? DEFAULT_DOCKER_SOCKET),
    noExec: values['no-exec'] === true,
    allowHostNetwork: values['allow-host-network'] === true,
    caFile: caFile === undefined ? undefined : resolve(caFile),
  };
  return { kind: 'run', options };
}

export interface StartupPlan {
  serverUrl: string;
  /** `register` on first run; `authenticate` once a state file exists. */
  handshake: 'register' | 'authenticate';
  codeIgnored: boolean;
  serverDiffersFromState: boolean;
}

/**
 * What to do given the options and the state file, if any. The state file wins over the code (the
 * code is single use and already spent), and supplies the server URL when none is given, so a
 * restart needs nothing but the state file.
 */
export function planStartup(
  options: AgentOptions,
  state: { server_url: string } | null,
): StartupPlan {
  const serverUrl = options.serverUrl ?? state?.server_url;
  if (serverUrl === undefined) {
    throw new UsageError('--server (or SERVER_URL) is required');
  }
  if (state === null && options.code === undefined) {
    throw new UsageError(
      `--code (or REGISTER_CODE) is required for the first registration (no state file at ${options.stateFile})`,
    );
  }
  return {
    serverUrl: validateServerUrl(serverUrl),
    handshake: state === null ? 'register' : 'authenticate',
    codeIgnored: state !== null && options.code !== undefined,
    serverDiffersFromState: state !== null && serverUrl !== state.server_url,
  };
}
