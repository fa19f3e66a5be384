import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateManifest } from '../manifest/manifest-validator';
import { TomoLegacyImporter } from './tomo-legacy.importer';
import { expectedOutcomes, memoryTree, outcomesOf, STORES } from './testing/catalog-fixtures';
import { DirectoryTree } from '../catalog-tree';

const CATALOGS = join(__dirname, '../../../../shared/fixtures/catalogs');
const FIXTURE = join(CATALOGS, 'tomo');

/** Every app of the fixture store, by manifest id: imported, or the reason it is not. */
const EXPECTED: Record<string, 'imported' | RegExp> = {
  heimdall: 'imported',
  n8n: 'imported',
  nextcloud: 'imported',
  pihole: 'imported',
  'tomo-agent': 'imported',
  'uptime-kuma': 'imported',
  traefik: /^needs the Docker socket \(\/var\/run\/docker\.sock\), which gives full control/,
};

/** A legacy app.yaml with the required keys, `docker:` given as YAML lines. */
const appYaml = (docker: string, extra = '') => `id: demo
name: Demo
description: A demo app for the tests of the importer.
version: "1.0.0"
category: utility
author: tests
tags: [demo]
icon: https://example.org/demo.svg
repository: https://github.com/example/demo
documentation: https://example.org/docs
requirements: {memory: "2GB", cpu: "1", storage: "1TB", arch: [amd64, arm/v7]}
maintainers: ["@tests"]
${extra}
docker:
${docker}
`;

describe('TomoLegacyImporter over the tomo-marketplace fixture store', () => {
  const importer = new TomoLegacyImporter();
  const result = importer.import(new DirectoryTree(FIXTURE));
  const imported = (id: string) => result.apps.find((app) => app.manifest.id === id)!;

  it('reads the whole fixture folder', () => {
    expect(existsSync(join(FIXTURE, 'apps/networking/pihole/app.yaml'))).toBe(true);
    expect(result.format).toBe('tomo-legacy');
    expect(result.apps.length + result.skipped.length).toBe(Object.keys(EXPECTED).length);
  });

  it('imports each app or says why it cannot', () => {
    expect(outcomesOf(result)).toEqual(expectedOutcomes(EXPECTED));
    expect(result.skipped).toEqual([
      expect.objectContaining({ path: 'apps/networking/traefik/app.yaml', app_id: 'traefik' }),
    ]);
  });

  it('produces manifests that validate on their own', () => {
    for (const app of result.apps) {
      expect(validateManifest(app.manifest)).toMatchObject({ valid: true });
      expect(app.manifest.source).toEqual({ path: app.path, format: 'tomo-legacy' });
      expect(app.manifest.admin_only).toBe(false);
      expect(app.manifest.services).toHaveLength(1);
      expect(app.manifest.services[0]!.main).toBe(true);
    }
  });

  it('recognises its own store and none of the others', () => {
    for (const store of STORES) {
      expect([store, importer.detect(new DirectoryTree(join(CATALOGS, store)))]).toEqual([
        store,
        store === 'tomo',
      ]);
    }
    const native = memoryTree({ 'apps/demo/app.yaml': 'manifest_version: 1\nid: demo\n' });
    expect(importer.detect(native)).toBe(false);
  });

  it('converts Pi-hole field by field', () => {
    const { manifest, notes } = imported('pihole');
    expect(manifest).toEqual({
      manifest_version: 1,
      id: 'pihole',
      name: 'Pi-hole',
      version: '2024.07.0',
      description: 'Network-wide ad blocking via your own DNS server.',
      category: 'networking',
      tags: ['dns', 'ad-blocking', 'privacy', 'network'],
      icon: 'https://pi-hole.net/wp-content/uploads/2016/12/Vortex-R.png',
      links: {
        repository: 'https://github.com/pi-hole/pi-hole',
        documentation: 'https://docs.pi-hole.net/',
      },
      admin_only: false,
      requirements: { memory_mb: 512, disk_mb: 1024 },
      inputs: [
        {
          name: 'WEBPASSWORD',
          label: 'Admin password for web interface',
          type: 'password',
          required: true,
        },
      ],
      services: [
        {
          name: 'pihole',
          image: 'pihole/pihole:2024.07.0',
          env: { TZ: 'UTC', WEBPASSWORD: '${inputs.WEBPASSWORD}' },
          ports: [
            { container: 53, host: 53, protocol: 'tcp' },
            { container: 53, host: 53, protocol: 'udp' },
            { container: 80, host: 8080, protocol: 'tcp', main: true },
          ],
          volumes: [
            { host: '${app_data}/etc-pihole', container: '/etc/pihole' },
            { host: '${app_data}/etc-dnsmasq.d', container: '/etc/dnsmasq.d' },
          ],
          restart: 'unless-stopped',
          main: true,
        },
      ],
      source: { path: 'apps/networking/pihole/app.yaml', format: 'tomo-legacy' },
    });
    expect(notes).toEqual([
      expect.stringMatching(/health check of \/admin on port 8080 is left out/),
      'the store asks for 1 CPU core(s); a manifest has no CPU requirement',
      "version 2024.07.0 is the image's tag; the store's package version is 1.1.0",
    ]);
  });

  it('converts the agent: a command, required inputs, the package version', () => {
    expect(imported('tomo-agent').manifest).toMatchObject({
      version: '1.0.0',
      inputs: [
        { name: 'TOMO_SERVER_URL', type: 'url', required: true },
        { name: 'AGENT_REGISTRATION_CODE', type: 'text', required: true },
      ],
      services: [
        {
          image: 'alpine:3.19',
          command: ['sleep', 'infinity'],
          env: {
            TOMO_SERVER_URL: '${inputs.TOMO_SERVER_URL}',
            AGENT_REGISTRATION_CODE: '${inputs.AGENT_REGISTRATION_CODE}',
            TZ: 'UTC',
          },
          volumes: [{ host: '${app_data}/data', container: '/data' }],
        },
      ],
    });
    expect(imported('tomo-agent').manifest.services[0]!.ports).toBeUndefined();
  });

  it('makes optional empty values optional inputs and sizes requirements (n8n, Nextcloud)', () => {
    expect(imported('n8n').manifest).toMatchObject({
      version: '1.70.3',
      requirements: { memory_mb: 1024, disk_mb: 2048 },
      inputs: [{ name: 'WEBHOOK_URL', type: 'url', required: false }],
      services: [{ ports: [{ container: 5678, host: 5678, protocol: 'tcp', main: true }] }],
    });
    expect(imported('nextcloud').manifest.inputs!.map((input) => [input.name, input.type])).toEqual(
      [
        ['MYSQL_HOST', 'text'],
        ['MYSQL_DATABASE', 'text'],
        ['MYSQL_USER', 'text'],
        ['MYSQL_PASSWORD', 'password'],
      ],
    );
    expect(imported('heimdall').manifest.services[0]!.ports).toEqual([
      { container: 80, host: 8083, protocol: 'tcp', main: true },
      { container: 443, host: 8443, protocol: 'tcp' },
    ]);
  });
});

describe('TomoLegacyImporter on cases the fixtures do not hold', () => {
  const importer = new TomoLegacyImporter();
  const one = (yaml: string) => {
    const result = importer.import(memoryTree({ 'apps/utility/demo/app.yaml': yaml }));
    expect(result.apps.length + result.skipped.length).toBe(1);
    return result;
  };
  const reason = (docker: string) => one(appYaml(docker)).skipped[0]?.reason;

  it('puts ${VAR} host paths under ${app_data} and maps requirements', () => {
    const result = one(
      appYaml(`  image: ghcr.io/example/demo:1.2.0
  volumes:
    - {container: /media, host: "\${MEDIA_PATH}/movies", mode: ro, description: Media}
  capabilities: [NET_BIND_SERVICE]
  restart: always
  networks: [proxy]`),
    );
    const app = result.apps[0]!;
    expect(validateManifest(app.manifest)).toMatchObject({ valid: true });
    expect(app.manifest).toMatchObject({
      version: '1.2.0',
      requirements: { memory_mb: 2048, disk_mb: 1048576, architectures: ['amd64', 'arm'] },
      services: [
        {
          volumes: [{ host: '${app_data}/media-path/movies', container: '/media', mode: 'ro' }],
          capabilities: ['NET_BIND_SERVICE'],
          restart: 'always',
        },
      ],
    });
    expect(app.notes).toEqual(
      expect.arrayContaining([
        'the host path ${MEDIA_PATH}/movies (a setting in the old Tomo) becomes ${app_data}/media-path/movies; change it with config.volumes',
        'the networks proxy are left out (Tomo gives each app its own)',
      ]),
    );
  });

  it('says why an app cannot be represented', () => {
    expect(reason('  image: example/demo:latest')).toBe('image example/demo:latest is not pinned');
    expect(reason('  image: example/demo:1.0\n  privileged: true')).toBe(
      'runs a privileged container',
    );
    expect(reason('  image: example/demo:1.0\n  capabilities: [NET_ADMIN]')).toBe(
      'needs the capability NET_ADMIN',
    );
    expect(
      reason(
        '  image: example/demo:1.0\n  volumes:\n    - {container: /m, host: /srv/media, mode: rw, description: x}',
      ),
    ).toBe("mounts the host path /srv/media, outside the app's data directory");
    expect(
      reason(
        '  image: example/demo:1.0\n  volumes:\n    - {container: /m, host: ./../up, mode: rw, description: x}',
      ),
    ).toMatch(/leaves the app's data directory/);
  });

  it('keeps going after a broken app', () => {
    const result = importer.import(
      memoryTree({
        'apps/utility/broken/app.yaml': 'id: broken\ndocker:\n  image: [unclosed\n',
        'apps/utility/demo/app.yaml': appYaml('  image: example/demo:1.0'),
      }),
    );
    expect(result.apps.map((app) => app.manifest.id)).toEqual(['demo']);
    expect(result.skipped).toEqual([
      { path: 'apps/utility/broken/app.yaml', app_id: 'broken', reason: expect.any(String) },
    ]);
  });
});
