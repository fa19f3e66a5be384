import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface SpawnedTomo {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the listening URL, or rejects with the output when the process exits first. */
  ready: Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Runs the built server (`npm run build` output) the way `npm start` does, with its own env. */
export function spawnTomo(env: Record<string, string>): SpawnedTomo {
  if (!existsSync(MAIN_JS))
    throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm test does).`);
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`Tomo exited (${code}) before listening:\n${out}\n${err}`)),
    );
  });
  ready.catch(() => undefined);
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    ready,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
