import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateManifest } from '../manifest/manifest-validator';
import type { ImportResult } from './importer';
import { PortainerImporter } from './portainer.importer';
import { memoryTree, STORES } from './testing/catalog-fixtures';
import { DirectoryTree } from '../catalog-tree';

const CATALOGS = join(__dirname, '../../../../shared/fixtures/catalogs');
const FIXTURE = join(CATALOGS, 'portainer');

/** Template ids are small integers, so outcomes are keyed by the store's id ("2", "43"). */
function outcomesById(result: ImportResult): Record<string, string> {
  const outcomes: Record<string, string> = {};
  for (const skipped of result.skipped) outcomes[skipped.app_id ?? skipped.path] = skipped.reason;
  for (const app of result.apps) outcomes[app.manifest.id] = 'imported';
  return outcomes;
}

/** Every template of the fixture store: Portainer's images are nearly all on `:latest`. */
const EXPECTED: Record<string, string> = {
  '2': 'image registry:latest is not pinned',
  '3': 'image ubuntu:latest is not pinned',
  '5': 'image nginx:latest is not pinned',
  '10': 'image postgres:latest is not pinned',
  '14': 'image gitlab/gitlab-ce:latest is not pinned',
  '26': 'image joomla:latest is not pinned',
  '30': 'image datadog/agent:latest is not pinned',
  '40': 'its compose file docker-compose.yml is in another repository (https://github.com/openfaas/faas), which the catalog does not hold',
  '43': 'image wordpress:latest is not pinned',
  '44': 'image wordpress:latest is not pinned',
  '60': 'image opcrouter/runtime:latest is not pinned',
  '62': 'its compose file edge/node-red/docker-compose.yml is missing from the catalog',
};

/** The same store with every image pinned, to see what the conversion does beyond the images. */
const PINNED_IMAGES: Record<string, string> = {
  'registry:latest': 'registry:2.8.3',
  'ubuntu:latest': 'ubuntu:24.04',
  'nginx:latest': 'nginx:1.27.0',
  'postgres:latest': 'postgres:16.4',
  'gitlab/gitlab-ce:latest': 'gitlab/gitlab-ce:17.0.0-ce.0',
  'joomla:latest': 'joomla:5.1.2',
  'datadog/agent:latest': 'datadog/agent:7.55.0',
  'wordpress:latest': 'wordpress:6.6.1',
  'opcrouter/runtime:latest': 'opcrouter/runtime:5.3.0',
};

const EXPECTED_PINNED: Record<string, string | RegExp> = {
  'registry-cache': 'imported',
  ubuntu: 'imported',
  nginx: 'imported',
  postgresql: 'imported',
  'gitlab-ce': 'imported',
  '26': /^asks the user to pick another container for JOOMLA_DB_HOST/,
  '30': /^needs the Docker socket \(\/var\/run\/docker\.sock\)/,
  '40': /in another repository/,
  'wordpress-43': 'imported',
  'wordpress-44': 'imported',
  'opc-router': 'imported',
  '62': /is missing from the catalog$/,
};

function pinnedTree() {
  const files: Record<string, string> = {};
  const tree = new DirectoryTree(FIXTURE);
  for (const path of tree.files()) {
    let text = tree.read(path)!;
    for (const [latest, pinned] of Object.entries(PINNED_IMAGES))
      text = text.split(latest).join(pinned);
    files[path] = text;
  }
  return memoryTree(files);
}

describe('PortainerImporter over the Portainer fixture store', () => {
  const importer = new PortainerImporter();
  const result = importer.import(new DirectoryTree(FIXTURE));

  it('reads the whole fixture folder', () => {
    const templates = JSON.parse(readFileSync(join(FIXTURE, 'templates.json'), 'utf8'));
    expect(existsSync(join(FIXTURE, 'stacks/wordpress/docker-compose.yml'))).toBe(true);
    expect(result.format).toBe('portainer');
    expect(result.apps.length + result.skipped.length).toBe(templates.templates.length);
    expect(templates.templates.length).toBe(Object.keys(EXPECTED).length);
  });

  it('imports each template or says why it cannot', () => {
    expect(outcomesById(result)).toEqual(EXPECTED);
    for (const skipped of result.skipped) expect(skipped.path).toBe('templates.json');
  });

  it('recognises its own store and none of the others', () => {
    for (const store of STORES) {
      expect([store, importer.detect(new DirectoryTree(join(CATALOGS, store)))]).toEqual([
        store,
        store === 'portainer',
      ]);
    }
  });
});

describe('PortainerImporter over the fixture store with pinned images', () => {
  const result = new PortainerImporter().import(pinnedTree());
  const imported = (id: string) => result.apps.find((app) => app.manifest.id === id)!;

  it('converts every template it can and says why not for the others', () => {
    const expected = Object.fromEntries(
      Object.entries(EXPECTED_PINNED).map(([id, outcome]) => [
        id,
        outcome === 'imported' ? outcome : expect.stringMatching(outcome),
      ]),
    );
    expect(outcomesById(result)).toEqual(expected);
    for (const app of result.apps) {
      expect(validateManifest(app.manifest)).toMatchObject({ valid: true });
      expect(app.manifest.source).toEqual({ path: 'templates.json', format: 'portainer' });
      expect(app.manifest.admin_only).toBe(false);
    }
  });

  it('converts Registry (cache): a preset env, an anonymous volume, an auto-assigned port', () => {
    const { manifest, notes } = imported('registry-cache');
    expect(manifest).toEqual({
      manifest_version: 1,
      id: 'registry-cache',
      name: 'Registry (cache)',
      version: '2.8.3',
      description: 'Docker image registry configured as a DockerHub pull through cache',
      category: 'utility',
      tags: ['docker'],
      icon: 'https://portainer-io-assets.sfo2.digitaloceanspaces.com/logos/registry.png',
      admin_only: false,
      services: [
        {
          name: 'registry-cache',
          image: 'registry:2.8.3',
          env: { REGISTRY_PROXY_REMOTEURL: 'https://registry-1.docker.io' },
          ports: [{ container: 5000, host: null, protocol: 'tcp', main: true }],
          volumes: [{ name: 'var-lib-registry', container: '/var/lib/registry' }],
          main: true,
        },
      ],
      source: { path: 'templates.json', format: 'portainer' },
    });
    expect(notes).toEqual([expect.stringMatching(/^Portainer publishes 5000\/tcp on host ports/)]);
  });

  it('turns env entries into inputs (PostgreSQL) and keeps the HTML note as text (GitLab)', () => {
    expect(imported('postgresql').manifest).toMatchObject({
      category: 'storage',
      inputs: [
        { name: 'POSTGRES_USER', label: 'Superuser', type: 'text', required: true },
        {
          name: 'POSTGRES_PASSWORD',
          label: 'Superuser password',
          type: 'password',
          required: true,
        },
      ],
      services: [
        {
          env: {
            POSTGRES_USER: '${inputs.POSTGRES_USER}',
            POSTGRES_PASSWORD: '${inputs.POSTGRES_PASSWORD}',
          },
        },
      ],
    });
    const gitlab = imported('gitlab-ce').manifest;
    expect(gitlab.description).toBe(
      'Open-source end-to-end software development platform\n\nDefault username is root. Check the GitLab documentation to get started.',
    );
    expect(gitlab.services[0]!.ports).toEqual([
      { container: 80, host: null, protocol: 'tcp', main: true },
      { container: 443, host: null, protocol: 'tcp' },
      { container: 22, host: null, protocol: 'tcp' },
    ]);
    expect(imported('ubuntu').manifest.services[0]!.command).toEqual(['/bin/bash']);
    expect(imported('ubuntu').notes.join('\n')).toMatch(/interactively/);
  });

  it('converts a compose stack (WordPress, type 3) with its env substituted', () => {
    const { manifest } = imported('wordpress-44');
    expect(manifest).toMatchObject({
      version: '6.6.1',
      category: 'productivity',
      inputs: [
        {
          name: 'MYSQL_DATABASE_PASSWORD',
          label: 'Database root password',
          type: 'password',
          required: true,
          description: 'Password used by the MySQL root user.',
        },
      ],
      services: [
        {
          name: 'db',
          image: 'mysql:5.7',
          env: { MYSQL_ROOT_PASSWORD: '${inputs.MYSQL_DATABASE_PASSWORD}' },
          volumes: [{ name: 'db-data', container: '/var/lib/mysql' }],
          restart: 'always',
        },
        {
          name: 'wordpress',
          image: 'wordpress:6.6.1',
          ports: [{ container: 80, host: null, protocol: 'tcp', main: true }],
          main: true,
        },
      ],
    });
    expect(imported('wordpress-43').notes).toContain(
      'a Swarm stack, run as a Compose app on one server (swarm settings left out)',
    );
  });

  it('maps a select env and drops env the stack file never uses (OPC Router)', () => {
    const { manifest, notes } = imported('opc-router');
    expect(manifest.inputs).toBeUndefined();
    expect(manifest.services[0]!.ports).toEqual([
      { container: 49420, host: 49420, protocol: 'tcp' },
      { container: 8080, host: 8080, protocol: 'tcp', main: true },
      { container: 8081, host: 8081, protocol: 'tcp' },
    ]);
    expect(notes).toEqual(
      expect.arrayContaining([
        'OR_I_ACCEPT_EULA: the choices read true = Yes, I accept',
        expect.stringMatching(/^env INITIAL_USERNAME is used nowhere/),
        expect.stringMatching(/^env OR_I_ACCEPT_EULA is used nowhere/),
      ]),
    );
  });
});

describe('PortainerImporter on cases the fixtures do not hold', () => {
  const importer = new PortainerImporter();
  const store = (templates: object[]) =>
    memoryTree({ 'templates.json': JSON.stringify({ version: '3', templates }) });

  it('maps select, default and preset env on a container template', () => {
    const result = importer.import(
      store([
        {
          id: 1,
          type: 1,
          title: 'Demo',
          image: 'acme/demo:1.0.0',
          ports: ['8080:80/tcp', '53/udp'],
          volumes: [{ container: '/data', bind: './data' }],
          env: [
            {
              name: 'MODE',
              label: 'Mode',
              select: [
                { text: 'A', value: 'a' },
                { text: 'B', value: 'b', default: true },
              ],
            },
            { name: 'API_URL', label: 'API', default: 'https://example.org' },
            { name: 'FIXED', default: 'yes', preset: true },
          ],
        },
      ]),
    );
    expect(result.skipped).toEqual([]);
    expect(result.apps[0]!.manifest).toMatchObject({
      id: 'demo',
      inputs: [
        { name: 'MODE', type: 'select', options: ['a', 'b'], default: 'b', required: false },
        { name: 'API_URL', type: 'url', default: 'https://example.org', required: false },
      ],
      services: [
        {
          env: { MODE: '${inputs.MODE}', API_URL: '${inputs.API_URL}', FIXED: 'yes' },
          ports: [
            { container: 80, host: 8080, protocol: 'tcp', main: true },
            { container: 53, host: null, protocol: 'udp' },
          ],
          volumes: [{ host: '${app_data}/data', container: '/data' }],
        },
      ],
    });
  });

  it('says why a template cannot be represented, and never throws', () => {
    const result = importer.import(
      store([
        { id: 1, type: 1, title: 'Win', platform: 'windows', image: 'acme/win:1' },
        { id: 2, type: 1, title: 'Priv', image: 'acme/priv:1', privileged: true },
        { id: 3, type: 1, title: 'Untagged', image: 'acme/untagged' },
        { id: 4, type: 9, title: 'Odd' },
        { id: 5, type: 3, title: 'Nowhere' },
      ]),
    );
    expect(outcomesById(result)).toEqual({
      '1': 'is a Windows container template',
      '2': 'runs a privileged container',
      '3': 'image acme/untagged is not pinned (no tag means :latest)',
      '4': 'has an unknown template type 9',
      '5': 'names no stack file (repository.stackfile)',
    });
    expect(importer.import(memoryTree({ 'templates.json': '{"templates": [' }))).toEqual({
      format: 'portainer',
      apps: [],
      skipped: [
        { path: 'templates.json', app_id: null, reason: expect.stringMatching(/templates\.json/) },
      ],
    });
  });
});
