import { mkdtempSync, promises as fs, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadState,
  saveState,
  StateFileError,
  StateStore,
  tightenPermissions,
  type AgentState,
} from './state-file';

const sample: AgentState = {
  agent_id: '60b24f9f-d9f9-4988-a351-4d656c2799ca',
  token: 'a'.repeat(43),
  server_url: 'ws://127.0.0.1:8000/ws/agent',
  registered_at: '2026-11-25T05:00:00.000Z',
};

describe('state file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tomo-agent-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is absent on first run', async () => {
    await expect(loadState(join(dir, 'state.json'))).resolves.toBeNull();
  });

  it('is written with mode 0600 in a directory it creates (0700), and read back', async () => {
    const path = join(dir, 'nested', 'deeper', 'state.json');
    await saveState(path, sample);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested', 'deeper')).mode & 0o777).toBe(0o700);
    await expect(loadState(path)).resolves.toEqual(sample);
  });

  it('is 0600 whatever the umask', async () => {
    const old = process.umask(0o000);
    try {
      const path = join(dir, 'state.json');
      await saveState(path, sample);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('replaces the file atomically: a new inode, no temporary files left', async () => {
    const path = join(dir, 'state.json');
    await saveState(path, sample);
    const before = statSync(path).ino;
    await saveState(path, { ...sample, token: 'b'.repeat(43) });
    expect(statSync(path).ino).not.toBe(before);
    expect(await fs.readdir(dir)).toEqual(['state.json']);
    expect((await loadState(path))?.token).toBe('b'.repeat(43));
  });

  it('leaves the old file intact when the write fails', async () => {
    const path = join(dir, 'state.json');
    await saveState(path, sample);
    await fs.chmod(dir, 0o500);
    try {
      if (process.getuid?.() === 0) return; // root writes anyway; nothing to observe
      await expect(saveState(path, { ...sample, token: 'c'.repeat(43) })).rejects.toThrow();
    } finally {
      await fs.chmod(dir, 0o700);
    }
    await expect(loadState(path)).resolves.toEqual(sample);
  });

  it('keeps unknown fields across a token rotation', async () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, JSON.stringify({ ...sample, extra: 1 }), { mode: 0o600 });
    const store = new StateStore(path, await loadState(path));
    await store.rotateToken('n'.repeat(43));
    const reread = JSON.parse(await fs.readFile(path, 'utf8'));
    expect(reread).toEqual({ ...sample, token: 'n'.repeat(43), extra: 1 });
    expect(store.state?.token).toBe('n'.repeat(43));
  });

  it('serialises concurrent rotations: the last one wins on disk and in memory', async () => {
    const path = join(dir, 'state.json');
    const store = new StateStore(path, sample);
    await store.save(sample);
    await Promise.all(['x', 'y', 'z'].map((c) => store.rotateToken(c.repeat(43))));
    expect((await loadState(path))?.token).toBe('z'.repeat(43));
    expect(store.state?.token).toBe('z'.repeat(43));
  });

  it('refuses a damaged file with a clear message', async () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, '{"agent_id": ');
    await expect(loadState(path)).rejects.toThrow(StateFileError);
    await expect(loadState(path)).rejects.toThrow(/not valid JSON/);
    writeFileSync(path, JSON.stringify({ ...sample, token: '' }));
    await expect(loadState(path)).rejects.toThrow(/lacks "token"/);
    writeFileSync(path, '[]');
    await expect(loadState(path)).rejects.toThrow(/JSON object/);
  });

  it('tightens a state file others could read', async () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, JSON.stringify(sample), { mode: 0o644 });
    await fs.chmod(path, 0o644);
    await expect(tightenPermissions(path)).resolves.toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await expect(tightenPermissions(path)).resolves.toBe(false);
  });
});
