import { CasaosImporter } from './casaos.importer';
import { memoryTree, storeWideTests } from './testing/catalog-fixtures';

/** Every app of the fixture store, by manifest id: imported, or the reason it is not. */
const EXPECTED: Record<string, 'imported' | RegExp> = {
  'org-icewhale-alistsync': 'imported',
  'org-icewhale-gitea': 'imported',
  'org-icewhale-nextcloud': 'imported',
  'org-icewhale-uptimekuma': 'imported',
  'org-icewhale-vaultwarden': 'imported',
  'org-icewhale-dify': /^image ns2kracy\/dify-config:latest is not pinned$/,
  'org-icewhale-duckdns': /^needs the host network \(network_mode: host\)$/,
  'org-icewhale-emulatorjs': /^runs a privileged container$/,
  'org-icewhale-immich': /^mounts the host path \/DATA\/Gallery\/immich, outside the app's data/,
  'org-icewhale-plex': /^needs the host network/,
  'org-icewhale-rdtclient': /^mounts the host path \/DATA\/Downloads, outside the app's data/,
  'org-icewhale-unifinetworkapplication': /^uses Compose configs/,
};

describe('CasaosImporter over the CasaOS fixture store', () => {
  const importer = new CasaosImporter();
  const result = storeWideTests(importer, 'casaos', EXPECTED, 'Apps/Gitea/docker-compose.yml');
  const manifest = (id: string) => result.apps.find((app) => app.manifest.id === id)!.manifest;

  it('converts Gitea field by field', () => {
    expect(manifest('org-icewhale-gitea')).toMatchObject({
      name: 'Gitea',
      version: '1.26.2',
      category: 'development',
      tags: ['developer'],
      icon: 'https://cdn.jsdelivr.net/gh/IceWhaleTech/CasaOS-AppStore@main/Apps/Gitea/icon.svg',
      links: { repository: 'https://github.com/go-gitea/gitea' },
      admin_only: false,
      requirements: { memory_mb: 256, architectures: ['amd64', 'arm64'] },
      services: [
        {
          name: 'gitea',
          image: 'gitea/gitea:1.26.2',
          main: true,
          env: { USER_UID: '1000', USER_GID: '1000' },
          ports: [
            { container: 3000, host: 3002, protocol: 'tcp', main: true },
            { container: 22, host: 222, protocol: 'tcp' },
          ],
          volumes: [{ host: '${app_data}/data', container: '/data' }],
          restart: 'unless-stopped',
        },
      ],
    });
    expect(manifest('org-icewhale-gitea').description).toMatch(/^Gitea is a painless/);
  });

  it('maps the app folder of Uptime Kuma under ${app_data}', () => {
    expect(manifest('org-icewhale-uptimekuma').services[0]).toMatchObject({
      ports: [{ container: 3001, host: 3001, main: true }],
      volumes: [{ host: '${app_data}/app/data', container: '/app/data' }],
    });
  });
});

describe('CasaosImporter placeholders and edge cases', () => {
  const compose = (services: string, meta = 'main: web\n  port_map: "8080"') =>
    `name: demo\nservices:\n${services}\nx-casaos:\n  id: org.example.Demo\n  version: "1.0"\n  title: {en_US: Demo}\n  category: Home\n  architectures: [amd64, mips]\n  ${meta}\n`;
  const importCompose = (text: string) =>
    new CasaosImporter().import(memoryTree({ 'Apps/Demo/docker-compose.yml': text }));

  it('turns $AppID, $TZ, $PUID, $PGID and ${X:-default} into manifest substitutions', () => {
    const result = importCompose(
      compose(`  web:
    image: example/web:2.0
    environment:
      - TZ=$TZ
      - PUID=$PUID
      - PGID=\${PGID}
      - NAME=$AppID
      - SANDBOX=\${SANDBOX_USER_ID:-1234}
      - TOKEN=\${API_TOKEN}
    ports: [{target: 80, published: "8080", protocol: tcp}]
    volumes:
      - /DATA/AppData/$AppID/config:/config
      - {type: bind, source: /DATA/AppData/demo/cache/, target: /cache}
      - /DATA/AppData/other-app:/shared`),
    );
    expect(result.skipped).toEqual([]);
    const [app] = result.apps;
    expect(app!.manifest).toMatchObject({
      id: 'org-example-demo',
      category: 'automation',
      tags: ['home'],
      requirements: { architectures: ['amd64'] },
      inputs: [
        { name: 'TZ', type: 'text', default: 'UTC' },
        { name: 'PUID', type: 'number', default: 1000 },
        { name: 'PGID', type: 'number', default: 1000 },
        { name: 'SANDBOX_USER_ID', default: '1234' },
        { name: 'API_TOKEN', required: true },
      ],
      services: [
        {
          env: {
            TZ: '${inputs.TZ}',
            PUID: '${inputs.PUID}',
            PGID: '${inputs.PGID}',
            NAME: '${app_id}',
            SANDBOX: '${inputs.SANDBOX_USER_ID}',
            TOKEN: '${inputs.API_TOKEN}',
          },
          ports: [{ container: 80, host: 8080, main: true }],
          volumes: [
            { host: '${app_data}/config', container: '/config' },
            { host: '${app_data}/cache', container: '/cache' },
            { host: '${app_data}/other-app', container: '/shared' },
          ],
        },
      ],
    });
    expect(app!.notes.join('\n')).toMatch(/mips/);
    expect(app!.notes.join('\n')).toMatch(/\/DATA\/AppData\/other-app is another app's folder/);
  });

  it('makes the first service main when the store names none, and says so', () => {
    const result = importCompose(
      compose('  a:\n    image: x/a:1\n  b:\n    image: x/b:1', 'index: /admin'),
    );
    expect(result.apps[0]!.manifest.services.map((service) => service.main)).toEqual([
      true,
      undefined,
    ]);
    expect(result.apps[0]!.notes.join('\n')).toMatch(/names no main service[\s\S]*path \/admin/);
  });

  it('skips broken apps with their reason instead of throwing', () => {
    const result = new CasaosImporter().import(
      memoryTree({
        'Apps/Bad/docker-compose.yml': 'services: [unclosed',
        'Apps/Bare/docker-compose.yml': 'services:\n  a:\n    image: x/a:1\n',
        'Apps/Secret/docker-compose.yml': compose(
          '  web:\n    image: x/a:1\n    command: sh -c "echo $${HOME}"',
        ),
      }),
    );
    expect(result.apps).toEqual([]);
    expect(result.skipped.map(({ path, app_id, reason }) => [path, app_id, reason])).toEqual([
      ['Apps/Bad/docker-compose.yml', null, expect.stringMatching(/not valid YAML/)],
      ['Apps/Bare/docker-compose.yml', null, expect.stringMatching(/no x-casaos block/)],
      [
        'Apps/Secret/docker-compose.yml',
        'org.example.Demo',
        expect.stringMatching(/literal \$\{…\}/),
      ],
    ]);
  });
});
