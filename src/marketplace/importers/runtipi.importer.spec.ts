import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateManifest } from '../manifest/manifest-validator';
import { RuntipiImporter } from './runtipi.importer';
import { expectedOutcomes, memoryTree, outcomesOf, STORES } from './testing/catalog-fixtures';
import { DirectoryTree } from '../catalog-tree';

const CATALOGS = join(__dirname, '../../../../shared/fixtures/catalogs');
const FIXTURE = join(CATALOGS, 'runtipi');

/** Every app of the fixture store, by manifest id: imported, or the reason it is not. */
const EXPECTED: Record<string, 'imported' | RegExp> = {
  dashy: 'imported',
  gitea: 'imported',
  'grav-2': 'imported',
  homepage: 'imported',
  immich: 'imported',
  nextcloud: 'imported',
  'it-tools': /^image corentinth\/it-tools:latest is not pinned$/,
  'paperless-ngx': /^image apache\/tika:latest is not pinned$/,
  photoprism: /^image photoprism\/photoprism:latest is not pinned$/,
  pihole: /^needs the capability NET_ADMIN$/,
  'uptime-kuma': /^needs the Docker socket \(\/var\/run\/docker\.sock\)/,
};

describe('RuntipiImporter over the Runtipi fixture store', () => {
  const importer = new RuntipiImporter();
  const result = importer.import(new DirectoryTree(FIXTURE));
  const imported = (id: string) => result.apps.find((app) => app.manifest.id === id)!;

  it('reads the whole fixture folder', () => {
    expect(existsSync(join(FIXTURE, 'apps/immich/config.json'))).toBe(true);
    expect(result.format).toBe('runtipi');
    expect(result.apps.length + result.skipped.length).toBe(Object.keys(EXPECTED).length);
  });

  it('imports each app or says why it cannot', () => {
    expect(outcomesOf(result)).toEqual(expectedOutcomes(EXPECTED));
    for (const skipped of result.skipped) {
      expect(skipped.path).toBe(`apps/${skipped.app_id}/config.json`);
    }
  });

  it('produces manifests that validate on their own', () => {
    for (const app of result.apps) {
      expect(validateManifest(app.manifest)).toMatchObject({ valid: true });
      expect(app.manifest.source).toEqual({ path: app.path, format: 'runtipi' });
      expect(app.manifest.admin_only).toBe(false);
      expect(app.manifest.description!.length).toBeLessThanOrEqual(4096);
    }
  });

  it('recognises its own store and none of the others', () => {
    for (const store of STORES) {
      expect([store, importer.detect(new DirectoryTree(join(CATALOGS, store)))]).toEqual([
        store,
        store === 'runtipi',
      ]);
    }
  });

  it('converts Immich (dynamic compose, random secrets, shared media) field by field', () => {
    const { manifest, notes } = imported('immich');
    expect(manifest).toMatchObject({
      name: 'Immich',
      version: 'v3.1.0',
      category: 'storage',
      tags: ['data', 'photography'],
      links: {
        website: 'https://www.immich.app/',
        repository: 'https://github.com/immich-app/immich',
      },
      requirements: { architectures: ['arm64', 'amd64'] },
    });
    expect(manifest.icon).toBeUndefined();
    expect(manifest.inputs).toEqual([
      {
        name: 'DB_PASSWORD',
        label: 'DB_PASSWORD',
        type: 'password',
        required: true,
        default: '${password:32}',
        description: 'A random secret generated at install.',
      },
      expect.objectContaining({ name: 'JWT_SECRET', default: '${password:32}' }),
    ]);
    expect(manifest.services.map((service) => [service.name, service.main])).toEqual([
      ['immich', true],
      ['immich-machine-learning', undefined],
      ['immich-redis', undefined],
      ['immich-db', undefined],
    ]);
    const [server, ml, redis, db] = manifest.services;
    expect(server).toMatchObject({
      image: 'ghcr.io/immich-app/immich-server:v3.1.0',
      ports: [{ container: 2283, host: 8128, protocol: 'tcp', main: true }],
      volumes: [{ host: '${app_data}/media/data/images/immich', container: '/usr/src/app/upload' }],
      depends_on: ['immich-redis', 'immich-db'],
    });
    expect(server!.env).toMatchObject({
      DB_PASSWORD: '${inputs.DB_PASSWORD}',
      JWT_SECRET: '${inputs.JWT_SECRET}',
      DB_HOSTNAME: 'immich-db',
    });
    expect(ml!.volumes).toContainEqual({
      host: '${app_data}/data/immich-ml-cache',
      container: '/cache',
    });
    expect(redis!.healthcheck).toEqual({ test: ['CMD-SHELL', 'redis-cli ping || exit 1'] });
    expect(db!.env).toMatchObject({ POSTGRES_PASSWORD: '${inputs.DB_PASSWORD}' });
    expect(notes).toEqual([
      expect.stringMatching(
        /shared media folder \$\{ROOT_FOLDER_HOST\}\/media\/data\/images\/immich/,
      ),
      'form field IMMICH_TYPESENSE_API_KEY is used by no service; left out',
    ]);
  });

  it('converts Grav (native x-runtipi compose, ${APP_PORT}, ${TZ}) field by field', () => {
    const { manifest } = imported('grav-2');
    expect(manifest).toMatchObject({
      version: '2.0.19',
      category: 'media',
      inputs: [{ name: 'TZ', label: 'Time zone', type: 'text', required: false, default: 'UTC' }],
      services: [
        {
          name: 'grav-2',
          image: 'lscr.io/linuxserver/grav:2.0.19',
          main: true,
          env: { PUID: '1000', PGID: '1000', TZ: '${inputs.TZ}' },
          ports: [{ container: 80, host: 18161, protocol: 'tcp', main: true }],
          volumes: [{ host: '${app_data}/data/grav-comfig', container: '/config' }],
        },
      ],
    });
  });

  it('converts Homepage (a host path with a colon, addressing built-ins) field by field', () => {
    const { manifest, notes } = imported('homepage');
    expect(manifest.services[0]).toMatchObject({
      env: {
        HOMEPAGE_ALLOWED_HOSTS:
          '${inputs.APP_DOMAIN},${inputs.APP_LOCAL_DOMAIN},${inputs.APP_HOST}:8756',
      },
      volumes: [{ host: '${app_data}/data', container: '/app/config' }],
      ports: [{ container: 3000, host: 8756, protocol: 'tcp', main: true }],
    });
    expect(manifest.inputs!.map((input) => [input.name, input.required])).toEqual([
      ['APP_DOMAIN', false],
      ['APP_LOCAL_DOMAIN', false],
      ['APP_HOST', true],
    ]);
    expect(notes).toEqual([expect.stringMatching(/contains a colon/)]);
  });

  it('turns form fields into inputs and cuts the long description at a paragraph', () => {
    const { manifest, notes } = imported('nextcloud');
    expect(manifest.inputs).toEqual([
      {
        name: 'NEXTCLOUD_ADMIN_USER',
        label: 'Username',
        type: 'text',
        required: true,
        pattern: '^[\\s\\S]{3,50}$',
      },
      {
        name: 'NEXTCLOUD_ADMIN_PASSWORD',
        label: 'Password',
        type: 'password',
        required: true,
        pattern: '^[\\s\\S]{10,50}$',
      },
      expect.objectContaining({ name: 'APP_DOMAIN', required: false }),
    ]);
    expect(manifest.services[0]!.env).toMatchObject({
      NEXTCLOUD_ADMIN_USER: '${inputs.NEXTCLOUD_ADMIN_USER}',
      NEXTCLOUD_TRUSTED_DOMAINS: '${inputs.APP_DOMAIN}',
      OVERWRITEPROTOCOL: 'http',
    });
    expect(manifest.services[3]).toMatchObject({ name: 'cron', entrypoint: ['/cron.sh'] });
    expect(manifest.description).toMatch(/^## ⛺ Runtipi Note/);
    expect(manifest.description).toMatch(/\n\n…$/);
    expect((manifest.description!.match(/```/g) ?? []).length % 2).toBe(0);
    expect(notes).toEqual([expect.stringMatching(/^the description is cut from \d+ to \d+/)]);
  });

  it('publishes extra ports per protocol (Gitea addPorts)', () => {
    expect(imported('gitea').manifest.services[0]!.ports).toEqual([
      { container: 22, host: 222, protocol: 'tcp' },
      { container: 3000, host: 8108, protocol: 'tcp', main: true },
    ]);
  });
});

describe('RuntipiImporter on cases the fixtures do not hold', () => {
  const importer = new RuntipiImporter();
  const config = (extra: object) =>
    JSON.stringify({ id: 'demo', name: 'Demo', port: 8400, version: '1.0.0', ...extra });
  const dynamic = (service: object, extra: object = {}) =>
    JSON.stringify({
      schemaVersion: 2,
      services: [{ name: 'demo', isMain: true, ...service }],
      ...extra,
    });
  const one = (files: Record<string, string>) => {
    const result = importer.import(memoryTree(files));
    expect(result.apps.length + result.skipped.length).toBe(1);
    return result;
  };
  const reason = (files: Record<string, string>) => one(files).skipped[0]?.reason;

  it('maps ${VAR:-default}, hex secrets, select options, tcp+udp ports and overrides', () => {
    const result = one({
      'apps/demo/config.json': config({
        categories: ['featured', 'network'],
        supported_architectures: ['arm64', 'amd64'],
        form_fields: [
          { type: 'random', label: 'Key', env_variable: 'KEY', min: 16, encoding: 'hex' },
          {
            type: 'text',
            label: 'Mode',
            env_variable: 'MODE',
            options: [{ label: 'A', value: 'a' }],
          },
          { type: 'ip', label: 'Bind', env_variable: 'BIND_IP' },
        ],
      }),
      'apps/demo/docker-compose.json': dynamic(
        {
          image: 'acme/demo:1.0.0',
          internalPort: '8080',
          environment: [
            { key: 'KEY', value: '${KEY}' },
            { key: 'MODE', value: '${MODE:-b}' },
            { key: 'DATA', value: '${APP_DATA_DIR}/x' },
            { key: 'ID', value: '$APP_ID' },
            { key: 'COST', value: '$$5' },
          ],
          addPorts: [
            {
              hostPort: 5353,
              containerPort: 53,
              tcp: true,
              udp: true,
              interface: '${BIND_IP:-0.0.0.0}',
            },
          ],
        },
        {
          overrides: [
            { architecture: 'arm64', services: [{ name: 'demo', image: 'acme/demo:arm' }] },
          ],
        },
      ),
    });
    const app = result.apps[0]!;
    expect(validateManifest(app.manifest)).toMatchObject({ valid: true });
    expect(app.manifest).toMatchObject({
      category: 'networking',
      tags: ['network'],
      requirements: { architectures: ['amd64'] },
      inputs: [
        { name: 'KEY', type: 'password', required: true, default: '${hex:16}' },
        { name: 'MODE', type: 'select', options: ['a'], default: 'b' },
      ],
      services: [
        {
          env: {
            KEY: '${inputs.KEY}',
            MODE: '${inputs.MODE}',
            DATA: '${app_data}/x',
            ID: '${app_id}',
            COST: '$5',
          },
          ports: [
            { container: 53, host: 5353, protocol: 'tcp' },
            { container: 53, host: 5353, protocol: 'udp' },
            { container: 8080, host: 8400, protocol: 'tcp', main: true },
          ],
        },
      ],
    });
    expect(app.notes.join('\n')).toMatch(
      /interface setting "\$\{BIND_IP:-0\.0\.0\.0\}" is not kept/,
    );
    expect(app.notes.join('\n')).toMatch(/arm64 is left out of the architectures/);
    expect(app.notes.join('\n')).toMatch(/form field BIND_IP is used by no service/);
  });

  it('says why an app cannot be represented', () => {
    const dir = 'apps/demo';
    const withService = (service: object) => ({
      [`${dir}/config.json`]: config({}),
      [`${dir}/docker-compose.json`]: dynamic({ image: 'acme/demo:1.0.0', ...service }),
    });
    expect(reason(withService({ environment: [{ key: 'A', value: '${NOPE}' }] }))).toBe(
      'services.demo.environment.A uses ${NOPE}, which is neither a form field nor a Runtipi variable',
    );
    expect(
      reason(
        withService({ volumes: [{ hostPath: '${ROOT_FOLDER_HOST}/apps', containerPath: '/a' }] }),
      ),
    ).toMatch(/^mounts \$\{ROOT_FOLDER_HOST\}\/apps, a folder of Runtipi outside/);
    expect(reason(withService({ workingDir: '/srv' }))).toMatch(/working directory/);
    expect(reason(withService({ networkMode: 'host' }))).toMatch(/host network/);
    expect(
      reason(withService({ deploy: { resources: { reservations: { devices: [{}] } } } })),
    ).toMatch(/needs GPUs/);
    expect(reason({ [`${dir}/config.json`]: config({ available: false }) })).toMatch(/unavailable/);
    expect(
      reason({
        [`${dir}/config.json`]: config({}),
        [`${dir}/docker-compose.yml`]: 'services:\n  demo:\n    image: acme/demo:1.0.0\n',
      }),
    ).toMatch(/^has only a legacy docker-compose\.yml/);
    expect(reason({ [`${dir}/config.json`]: '{"id": "demo",' })).toMatch(/config\.json/);
  });

  it('keeps going after a broken app', () => {
    const result = importer.import(
      memoryTree({
        'apps/broken/config.json': '{',
        'apps/demo/config.json': config({}),
        'apps/demo/docker-compose.json': dynamic({ image: 'acme/demo:1.0.0', internalPort: 80 }),
      }),
    );
    expect(result.apps.map((app) => app.manifest.id)).toEqual(['demo']);
    expect(result.skipped).toEqual([
      { path: 'apps/broken/config.json', app_id: 'broken', reason: expect.any(String) },
    ]);
  });
});
