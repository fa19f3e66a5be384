import { UmbrelImporter } from './umbrel.importer';
import { memoryTree, storeWideTests } from './testing/catalog-fixtures';

/** Every app of the fixture store, by manifest id: imported, or the reason it is not. */
const EXPECTED: Record<string, 'imported' | RegExp> = {
  heimdall: 'imported',
  immich: 'imported',
  linkwarden: 'imported',
  'uptime-kuma': 'imported',
  vaultwarden:
    /^services\.server\.command\[\d+\] is a multi-line script; Tomo passes each argument as one line$/,
  fulcrum: /^needs the Umbrel app bitcoin \(dependencies\)/,
  mempool: /^needs the Umbrel apps bitcoin, electrs \(dependencies\)/,
  gitea: /^uses \$\{APP_GITEA_SSH_PORT\}, which an exports\.sh script defines/,
  nextcloud: /^uses \$\{NETWORK_IP\}, the address of Umbrel's internal network$/,
  overseerr: /^is disabled in the store \(disabled: true\)/,
  paperless: /^uses \$\{UMBREL_ROOT\}: Umbrel's shared storage/,
  'pi-hole': /^needs the host network \(network_mode: host\)$/,
};

describe('UmbrelImporter over the Umbrel fixture store', () => {
  const importer = new UmbrelImporter();
  const result = storeWideTests(importer, 'umbrel', EXPECTED, 'immich/umbrel-app.yml');
  const imported = (id: string) => result.apps.find((app) => app.manifest.id === id)!;

  it('converts Immich: app_proxy gone, merge keys applied, APP_SEED an input', () => {
    const { manifest, notes } = imported('immich');
    expect(manifest.services.map((service) => service.name)).toEqual([
      'server',
      'machine-learning',
      'redis',
      'postgres',
    ]);
    expect(manifest).toMatchObject({
      name: 'Immich',
      version: 'v3.1.0',
      category: 'storage',
      links: { website: 'https://www.immich.app' },
      inputs: [{ name: 'APP_SEED', type: 'password', default: '${hex:64}' }],
    });
    const [server, , , postgres] = manifest.services;
    expect(server).toMatchObject({
      main: true,
      ports: [{ container: 2283, host: 2283, protocol: 'tcp', main: true }],
      volumes: [{ host: '${app_data}/data/upload', container: '/data' }],
      depends_on: ['redis', 'postgres'],
      env: {
        DB_HOSTNAME: 'postgres',
        REDIS_HOSTNAME: 'redis',
        JWT_SECRET: '${inputs.APP_SEED}',
        IMMICH_MACHINE_LEARNING_URL: 'http://machine-learning:3003',
      },
    });
    expect(postgres!.env).toMatchObject({
      POSTGRES_PASSWORD: 'moneyprintergobrrr',
      DB_USERNAME: 'immich',
    });
    expect(notes.join('\n')).toMatch(/permissions GPU are not granted/);
    expect(notes.join('\n')).toMatch(/immich_<service>_1 are replaced/);
  });

  it('converts Linkwarden: the main service is the one app_proxy names', () => {
    const { manifest } = imported('linkwarden');
    expect(manifest.inputs).toEqual([
      expect.objectContaining({ name: 'DEVICE_DOMAIN_NAME', type: 'text', required: true }),
    ]);
    expect(manifest.services).toMatchObject([
      { name: 'postgres', healthcheck: { test: ['CMD-SHELL', 'pg_isready -U postgres'] } },
      {
        name: 'app',
        main: true,
        ports: [{ container: 3000, host: 8233, main: true }],
        depends_on: ['postgres'],
        env: {
          DATABASE_URL: 'postgresql://postgres:linkwarden@postgres:5432/postgres',
          NEXTAUTH_URL: 'http://${inputs.DEVICE_DOMAIN_NAME}:8233/api/v1/auth',
        },
      },
    ]);
    expect(manifest.services[0]!.main).toBeUndefined();
  });

  it('says what Umbrel adds that Tomo does not', () => {
    expect(imported('heimdall').notes.join('\n')).not.toMatch(/login in front/);
  });
});

describe('UmbrelImporter edge cases', () => {
  const app = (extra = '') =>
    `manifestVersion: 1\nid: demo\nname: Demo\nversion: "1.0"\ncategory: ai\ndependencies: []\nport: 4000\n${extra}`;
  const importApp = (compose: string, extra?: string) =>
    new UmbrelImporter().import(
      memoryTree({ 'demo/umbrel-app.yml': app(extra), 'demo/docker-compose.yml': compose }),
    );

  it('notes an app Umbrel offers over Tor only', () => {
    const result = importApp('services:\n  web:\n    image: x/web:1\n', 'torOnly: true');
    expect(result.apps[0]!.notes.join('\n')).toMatch(/over Tor only/);
  });

  it('finds the main service by the address variable it pins, and APP_PASSWORD is an input', () => {
    const result = importApp(
      `services:
  app_proxy:
    environment:
      APP_HOST: $APP_DEMO_IP
      APP_PORT: 8080
  web:
    image: x/web:1@sha256:${'a'.repeat(64)}
    environment:
      ADMIN_PASSWORD: $APP_PASSWORD
      CACHE: \${APP_DEMO_CACHE:-64}
    networks: {default: {ipv4_address: $APP_DEMO_IP}}
  worker:
    image: x/worker:1
`,
      'deterministicPassword: true\ndefaultUsername: admin\n',
    );
    expect(result.skipped).toEqual([]);
    const { manifest, notes } = result.apps[0]!;
    expect(manifest.category).toBe('productivity');
    expect(manifest.inputs).toEqual([
      expect.objectContaining({
        name: 'APP_PASSWORD',
        default: '${password:32}',
        description: expect.stringMatching(/as admin/),
      }),
      expect.objectContaining({ name: 'APP_DEMO_CACHE', default: '64' }),
    ]);
    expect(manifest.services[0]).toMatchObject({
      name: 'web',
      main: true,
      ports: [{ container: 8080, host: 4000, main: true }],
      env: { ADMIN_PASSWORD: '${inputs.APP_PASSWORD}', CACHE: '${inputs.APP_DEMO_CACHE}' },
    });
    expect(notes.join('\n')).toMatch(/Umbrel puts its own login in front/);
  });

  it('refuses a web UI port that only a script knows, and never throws for a broken app', () => {
    const result = new UmbrelImporter().import(
      memoryTree({
        'demo/umbrel-app.yml': app(),
        'demo/docker-compose.yml':
          'services:\n  app_proxy:\n    environment: {APP_HOST: demo_web_1, APP_PORT: $APP_DEMO_PORT}\n  web:\n    image: x/web:1\n',
        'nocompose/umbrel-app.yml': app().replace('id: demo', 'id: nocompose'),
        'tor/umbrel-app.yml': app().replace('id: demo', 'id: tor'),
        'tor/docker-compose.yml':
          'services:\n  web:\n    image: x/web:1\n    environment: {ONION: $APP_HIDDEN_SERVICE}\n',
      }),
    );
    expect(result.apps).toEqual([]);
    expect(result.skipped.map((skipped) => [skipped.app_id, skipped.reason])).toEqual([
      ['demo', expect.stringMatching(/web UI port comes from \$APP_DEMO_PORT/)],
      ['nocompose', 'nocompose/docker-compose.yml is missing or too large'],
      ['tor', "uses Umbrel's Tor service (${APP_HIDDEN_SERVICE})"],
    ]);
  });
});
