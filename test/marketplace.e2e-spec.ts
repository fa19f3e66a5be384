import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/free-port';
import { CatalogRepo, gitAvailable } from './support/git-catalog';
import { describeIf } from './support/infra';
import { TestTomo } from './support/tomo-harness';

function app(id: string, name: string, version: string, extra = ''): string {
  return `manifest_version: 1
id: ${id}
name: ${name}
version: "${version}"
description: ${name} for the marketplace suite.
category: monitoring
tags: [status-page, ${id}]
services:
  - name: web
    image: tomo-test/busybox:1.35
    command: [busybox, httpd, -f, -p, "8080"]
    ports: [{container: 8080, host: null}]
${extra}`;
}

/**
 * Catalog repositories through the API: real git repositories (file:// and git:// from a git
 * daemon on loopback), sync with added/updated/removed counts, search, details, categories,
 * removal, and the URL/branch checks that keep hostile input away from git.
 */
describeIf(
  gitAvailable(),
  'git',
  'the git CLI is not installed',
)('marketplace: repositories, sync and search', () => {
  let root: string;
  let repo: CatalogRepo;
  let tomo: TestTomo;
  let token: string;
  let repositoryId: string;
  let daemon: ChildProcess | undefined;
  let daemonPort: number;

  const api = (method: string, path: string, body?: unknown) =>
    tomo.request(method, path, { token, body });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tomo-catalog-'));
    repo = new CatalogRepo(root);
    repo.write('apps/kuma/app.yaml', app('kuma', 'Uptime Kuma', '1.0.0'));
    repo.write('apps/statping/app.yaml', app('statping', 'Statping', '2.0.0'));
    repo.write(
      'apps/broken/app.yaml',
      app('broken', 'Broken', '1.0.0').replace('tomo-test/busybox:1.35', 'busybox:latest'),
    );
    repo.write('README.md', '# a catalog\n');
    repo.commit('first apps');
    daemonPort = await freePort();
    daemon = spawn(
      'git',
      [
        'daemon',
        `--base-path=${root}`,
        '--export-all',
        '--listen=127.0.0.1',
        `--port=${daemonPort}`,
        '--reuseaddr',
        root,
      ],
      { stdio: 'ignore' },
    );
    tomo = await TestTomo.start({ MARKETPLACE_ALLOW_PRIVATE_SOURCES: 'true' });
    token = await tomo.login();
  });

  afterAll(async () => {
    if (daemon?.pid) daemon.kill('SIGTERM');
    await tomo?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('add_repository syncs at once: valid apps land in the catalog, the broken one is reported', async () => {
    const response = await api('POST', '/api/v1/marketplace/repositories', {
      name: 'Team apps',
      url: `file://${repo.bare}`,
    });
    expect(response.status).toBe(201);
    expect(response.body.sync_error).toBeNull();
    expect(response.body.repository).toMatchObject({
      name: 'Team apps',
      slug: 'team-apps',
      branch: 'main',
      format: 'auto',
      detected_format: 'tomo',
      app_count: 2,
    });
    expect(response.body.sync).toMatchObject({ apps_added: 2, apps_updated: 0, apps_removed: 0 });
    expect(response.body.sync.errors).toEqual([
      {
        path: 'apps/broken/app.yaml',
        message: expect.stringMatching(/services\[0\]\.image: .*:latest/),
      },
    ]);
    repositoryId = response.body.repository.id;
  });

  it('search_apps ranks by the words, filters, and get_app_details returns the manifest', async () => {
    const found = await api(
      'GET',
      `/api/v1/marketplace/apps?query=uptime&repository_id=${repositoryId}`,
    );
    expect(found.body.total).toBe(1);
    expect(found.body.items[0]).toMatchObject({
      id: 'team-apps/kuma',
      name: 'Uptime Kuma',
      category: 'monitoring',
    });
    // "stat" prefixes Statping's name and the other's "status-page" tag: the name ranks first.
    const prefix = await api(
      'GET',
      `/api/v1/marketplace/apps?query=stat&repository_id=${repositoryId}`,
    );
    expect(prefix.body.items.map((item: { app_id: string }) => item.app_id)).toEqual([
      'statping',
      'kuma',
    ]);
    const byTag = await api(
      'GET',
      `/api/v1/marketplace/apps?tag=status-page&limit=1&repository_id=${repositoryId}`,
    );
    expect(byTag.body).toMatchObject({ total: 2 });
    expect(byTag.body.items).toHaveLength(1);
    // FTS syntax in the query means nothing: it is searched for as words.
    const hostile = await api(
      'GET',
      '/api/v1/marketplace/apps?query=' + encodeURIComponent('kuma" OR name:*'),
    );
    expect(hostile.status).toBe(200);
    const details = await api(
      'GET',
      `/api/v1/marketplace/apps/${encodeURIComponent('team-apps/kuma')}`,
    );
    expect(details.body).toMatchObject({
      app_id: 'kuma',
      source: { path: 'apps/kuma/app.yaml', commit: expect.stringMatching(/^[0-9a-f]{40}$/) },
      manifest: { id: 'kuma', services: [{ name: 'web', image: 'tomo-test/busybox:1.35' }] },
    });
    expect((await api('GET', '/api/v1/marketplace/apps/statping')).body.id).toBe(
      'team-apps/statping',
    );
    expect((await api('GET', '/api/v1/marketplace/apps/nope')).status).toBe(404);
    const categories = await api('GET', '/api/v1/marketplace/categories');
    // Two of the repository's and the built-in Uptime Kuma.
    expect(categories.body.items).toContainEqual({ category: 'monitoring', count: 3 });
  });

  it('sync_repository reports what changed since the last commit', async () => {
    repo.write('apps/kuma/app.yaml', app('kuma', 'Uptime Kuma', '1.1.0'));
    repo.remove('apps/statping/app.yaml');
    repo.write('apps/gatus/app.yaml', app('gatus', 'Gatus', '5.0.0'));
    const commit = repo.commit('kuma 1.1.0, gatus in, statping out');
    const sync = await api('POST', `/api/v1/marketplace/repositories/${repositoryId}/sync`);
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ commit, apps_added: 1, apps_updated: 1, apps_removed: 1 });
    const all = await api('GET', `/api/v1/marketplace/apps?repository_id=${repositoryId}`);
    expect(
      all.body.items.map(
        (item: { app_id: string; version: string }) => `${item.app_id}@${item.version}`,
      ),
    ).toEqual(['gatus@5.0.0', 'kuma@1.1.0']);
  });

  it('syncs over git:// from a git daemon on loopback (private sources allowed here)', async () => {
    const response = await api('POST', '/api/v1/marketplace/repositories', {
      name: 'Daemon copy',
      url: `git://127.0.0.1:${daemonPort}/catalog.git`,
    });
    expect(response.body.sync_error).toBeNull();
    expect(response.body.repository).toMatchObject({ app_count: 2, detected_format: 'tomo' });
    // Two repositories now have a "kuma": the bare id is ambiguous.
    const ambiguous = await api('GET', '/api/v1/marketplace/apps/kuma');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.detail).toMatch(
      /daemon-copy\/kuma.*team-apps\/kuma|team-apps\/kuma.*daemon-copy\/kuma/,
    );
  });

  it('syncs each real store format from git, detecting the layout, reporting every skipped app', async () => {
    const fixtures = join(__dirname, '../../shared/fixtures/catalogs');
    const expected: Record<string, [format: string, imported: number, skipped: number]> = {
      casaos: ['casaos', 5, 7],
      umbrel: ['umbrel', 4, 8],
      dokploy: ['dokploy', 3, 9],
      runtipi: ['runtipi', 6, 5],
      portainer: ['portainer', 0, 12],
      tomo: ['tomo-legacy', 6, 1],
    };
    for (const [store, [format, imported, skipped]] of Object.entries(expected)) {
      const storeRoot = mkdtempSync(join(root, `${store}-`));
      const storeRepo = new CatalogRepo(storeRoot);
      cpSync(join(fixtures, store), join(storeRoot, 'work'), { recursive: true });
      storeRepo.commit(`the ${store} fixture`);
      const response = await api('POST', '/api/v1/marketplace/repositories', {
        name: `store ${store}`,
        url: `file://${storeRepo.bare}`,
      });
      expect({ store, error: response.body.sync_error }).toEqual({ store, error: null });
      expect({
        store,
        format: response.body.repository.detected_format,
        added: response.body.sync.apps_added,
        skipped: response.body.sync.errors.length,
      }).toEqual({ store, format, added: imported, skipped });
      for (const error of response.body.sync.errors as { path: string; message: string }[]) {
        expect(error.message.length).toBeGreaterThan(10);
      }
      await api('DELETE', `/api/v1/marketplace/repositories/${response.body.repository.id}`);
    }
  }, 120_000);

  it('refuses URLs and branches git could read as options or helpers, touching nothing', async () => {
    for (const url of [
      '--upload-pack=touch /tmp/pwned',
      'ext::sh -c touch% /tmp/pwned',
      'http://example.org/repo.git',
      'https://user:secret@example.org/repo.git',
      'file:///tmp/x\n--config',
    ]) {
      const response = await api('POST', '/api/v1/marketplace/repositories', {
        name: `bad ${url.length}`,
        url,
      });
      expect({ url, status: response.status, code: response.body.code }).toEqual({
        url,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    const badBranch = await api('POST', '/api/v1/marketplace/repositories', {
      name: 'bad branch',
      url: `file://${repo.bare}`,
      branch: '--orphan',
    });
    expect(badBranch.status).toBe(400);
    expect((await api('GET', '/api/v1/marketplace/repositories')).body.total).toBe(3);
  });

  it('a sync that fails keeps the old catalog and records the error', async () => {
    const updated = await api('PATCH', `/api/v1/marketplace/repositories/${repositoryId}`, {
      branch: 'nope',
    });
    expect(updated.body.branch).toBe('nope');
    const sync = await api('POST', `/api/v1/marketplace/repositories/${repositoryId}/sync`);
    expect(sync.status).toBe(502);
    expect(sync.body.code).toBe('REMOTE_FAILED');
    const listed = (await api('GET', '/api/v1/marketplace/repositories')).body.items.find(
      (item: { id: string }) => item.id === repositoryId,
    );
    expect(listed.last_sync_error).toMatch(/git .* failed/);
    const apps = await api('GET', `/api/v1/marketplace/apps?repository_id=${repositoryId}`);
    expect(apps.body.total).toBe(2);
  });

  it('disabling hides the apps; remove_repository deletes them', async () => {
    await api('PATCH', `/api/v1/marketplace/repositories/${repositoryId}`, { enabled: false });
    expect(
      (await api('GET', `/api/v1/marketplace/apps?repository_id=${repositoryId}`)).body.total,
    ).toBe(0);
    const removed = await api('DELETE', `/api/v1/marketplace/repositories/${repositoryId}`);
    expect(removed.body).toEqual({ success: true });
    const left = await api('GET', '/api/v1/marketplace/apps?query=gatus');
    expect(left.body.items.map((item: { id: string }) => item.id)).toEqual(['daemon-copy/gatus']);
  });
});

describeIf(
  gitAvailable(),
  'git',
  'the git CLI is not installed',
)('marketplace: private sources', () => {
  let tomo: TestTomo;
  let token: string;

  beforeAll(async () => {
    tomo = await TestTomo.start();
    token = await tomo.login();
  });

  afterAll(async () => {
    await tomo?.stop();
  });

  it('a fresh install has the built-in catalog, which cannot be synced or removed', async () => {
    const apps = await tomo.request('GET', '/api/v1/marketplace/apps?limit=50', { token });
    expect(apps.body.items.map((item: { id: string }) => item.id)).toEqual([
      'builtin/filebrowser',
      'builtin/gitea',
      'builtin/uptime-kuma',
      'builtin/vaultwarden',
      'builtin/wordpress',
    ]);
    const wordpress = await tomo.request('GET', '/api/v1/marketplace/apps/wordpress', { token });
    expect(wordpress.body.manifest.services.map((s: { name: string }) => s.name)).toEqual([
      'web',
      'db',
    ]);
    const [builtin] = (await tomo.request('GET', '/api/v1/marketplace/repositories', { token }))
      .body.items;
    expect(builtin).toMatchObject({ slug: 'builtin', app_count: 5, enabled: true });
    const path = `/api/v1/marketplace/repositories/${builtin.id}`;
    expect((await tomo.request('POST', `${path}/sync`, { token })).status).toBe(409);
    expect((await tomo.request('DELETE', path, { token })).status).toBe(409);
  });

  it('refuses a repository on a loopback, link-local or private address by default', async () => {
    for (const url of [
      'https://127.0.0.1/catalog.git',
      'git://169.254.169.254/x.git',
      'ssh://git@10.0.0.8/x.git',
      'git@192.168.1.5:team/apps.git',
      'https://[::1]/x.git',
    ]) {
      const response = await tomo.request('POST', '/api/v1/marketplace/repositories', {
        token,
        body: { name: 'internal', url },
      });
      expect({ url, status: response.status, detail: response.body.detail }).toEqual({
        url,
        status: 400,
        detail: expect.stringMatching(/loopback, link-local or private/),
      });
    }
  });
});
