import { DokployImporter } from './dokploy.importer';
import { memoryTree, storeWideTests } from './testing/catalog-fixtures';

/** Every app of the fixture store, by manifest id: imported, or the reason it is not. */
const EXPECTED: Record<string, 'imported' | RegExp> = {
  homepage: 'imported',
  immich: 'imported',
  'paperless-ngx': 'imported',
  authentik: /^"pg_isready -d \$\$\{POSTGRES_DB\}.*" holds a literal \$\{…\}/,
  dashy: /^image lissy93\/dashy:latest is not pinned$/,
  'it-tools': /^image corentinth\/it-tools:latest is not pinned$/,
  pocketbase: /^image adrianmusante\/pocketbase:latest is not pinned$/,
  'nextcloud-aio': /^needs the file fix-nextcloud\.sh, which template\.toml writes/,
  outline: /^needs the file etc\/nginx\/conf\.d\/default\.conf, which template\.toml writes/,
  'uptime-kuma': /^needs the Docker socket/,
  valkey: /^template\.toml is not valid TOML \(line 10\): .*redefine an already defined table/,
  vikunja: /^jwt_secret needs a signed JWT \(\$\{jwt:db_password\}\)/,
};

describe('DokployImporter over the Dokploy fixture store', () => {
  const importer = new DokployImporter();
  const result = storeWideTests(importer, 'dokploy', EXPECTED, 'blueprints/immich/template.toml');
  const imported = (id: string) => result.apps.find((app) => app.manifest.id === id)!;

  it('converts Paperless-ngx: helpers become inputs, the domain port is published', () => {
    const { manifest } = imported('paperless-ngx');
    expect(manifest).toMatchObject({
      name: 'Paperless-ngx',
      version: '2.20.15',
      category: 'productivity',
      tags: ['documents', 'ocr', 'productivity', 'self-hosted'],
      links: {
        website: 'https://paperless-ngx.com/',
        repository: 'https://github.com/paperless-ngx/paperless-ngx',
        documentation: 'https://docs.paperless-ngx.com/',
      },
      inputs: [
        { name: 'POSTGRES_PASSWORD', type: 'password', default: '${password:32}' },
        { name: 'PAPERLESS_SECRET_KEY', type: 'password', default: '${password:64}' },
        { name: 'MAIN_DOMAIN', type: 'text', required: true },
      ],
    });
    const [web, db] = manifest.services;
    expect(web).toMatchObject({
      name: 'paperless-ngx',
      main: true,
      ports: [{ container: 8000, host: 8000, protocol: 'tcp', main: true }],
      depends_on: ['paperless-ngx-db', 'paperless-ngx-broker'],
      volumes: expect.arrayContaining([
        { name: 'paperless-data', container: '/usr/src/paperless/data' },
      ]),
      env: {
        PAPERLESS_DBPASS: '${inputs.POSTGRES_PASSWORD}',
        PAPERLESS_SECRET_KEY: '${inputs.PAPERLESS_SECRET_KEY}',
        PAPERLESS_URL: 'http://${inputs.MAIN_DOMAIN}',
        PAPERLESS_TIME_ZONE: 'UTC',
      },
    });
    expect(db!.env).toEqual({
      POSTGRES_DB: 'paperless',
      POSTGRES_USER: 'paperless',
      POSTGRES_PASSWORD: '${inputs.POSTGRES_PASSWORD}',
    });
  });

  it('converts Immich: list env, ${password} is 16 characters, the domain names the main service', () => {
    const { manifest, notes } = imported('immich');
    expect(manifest.inputs).toEqual([
      { name: 'DB_PASSWORD', label: 'Db password', type: 'password', default: '${password:16}' },
    ]);
    expect(manifest.category).toBe('media');
    expect(manifest.services[0]).toMatchObject({
      name: 'immich-server',
      main: true,
      ports: [{ container: 2283, host: 2283, main: true }],
      env: { DB_HOSTNAME: 'immich-database', DB_PASSWORD: '${inputs.DB_PASSWORD}', TZ: 'UTC' },
    });
    expect(manifest.services[0]!.healthcheck).toBeUndefined();
    expect(notes.join('\n')).toMatch(/\/etc\/localtime is left out/);
  });

  it('maps ../files binds under ${app_data} and says which env the compose file ignores', () => {
    const { manifest, notes } = imported('homepage');
    expect(manifest.services[0]!.volumes).toEqual([
      { host: '${app_data}/homepage-config', container: '/app/config' },
    ]);
    expect(manifest.inputs).toBeUndefined();
    expect(notes.join('\n')).toMatch(/sets HOMEPAGE_ALLOWED_HOSTS, PUID, PGID .* never uses them/);
  });
});

describe('DokployImporter helpers and edge cases', () => {
  const blueprint = (template: string, compose: string) =>
    new DokployImporter().import(
      memoryTree({
        'blueprints/demo/meta.json': JSON.stringify({
          id: 'demo',
          name: 'Demo',
          version: '1.0',
          description: 'A demo.',
          tags: ['Home Automation', 'misc'],
          links: { github: 'https://github.com/x/demo', website: 'http://insecure.example' },
        }),
        'blueprints/demo/template.toml': template,
        'blueprints/demo/docker-compose.yml': compose,
      }),
    );

  it('turns every generator helper into an input with a manifest generator', () => {
    const result = blueprint(
      `[variables]
dex_domain = "dex-\${domain}"
secret = "\${hash:64}"
key = "\${base64:32}"
token = "\${jwt:16}"
short = "\${hash}"
[config]
env = ["A=\${secret}", "B=\${key}", "C=\${uuid}", "D=\${randomPort}", "E=\${email}", "F=\${dex_domain}", "G=\${token}", "H=\${short}", "I=x-\${password:8}-\${password:9}"]
[[config.domains]]
serviceName = "web"
port = 8_080
host = "\${dex_domain}"
`,
      `services:
  web:
    image: x/web:1.0
    environment:
${[...'ABCDEFGHIK'].map((key) => `      - ${key}=$${key}`).join('\n')}
      - J=\${J:-fallback}
`,
    );
    expect(result.skipped).toEqual([]);
    const { manifest, notes } = result.apps[0]!;
    expect(manifest.category).toBe('automation');
    expect(manifest.links).toEqual({ repository: 'https://github.com/x/demo' });
    expect(manifest.inputs).toEqual([
      expect.objectContaining({ name: 'SECRET', type: 'password', default: '${hex:64}' }),
      expect.objectContaining({ name: 'KEY', type: 'password', default: '${hex:64}' }),
      expect.objectContaining({ name: 'C', type: 'text', default: '${uuid}' }),
      expect.objectContaining({ name: 'D', type: 'port', default: '${random_port}' }),
      expect.objectContaining({ name: 'E', type: 'email', required: true }),
      expect.objectContaining({ name: 'DEX_DOMAIN', type: 'text', required: true }),
      expect.objectContaining({ name: 'TOKEN', default: '${hex:32}' }),
      expect.objectContaining({ name: 'SHORT', default: '${hex:8}' }),
      expect.objectContaining({ name: 'I', default: '${password:8}' }),
      expect.objectContaining({ name: 'I_2', default: '${password:9}' }),
    ]);
    expect(manifest.services[0]).toMatchObject({
      ports: [{ container: 8080, host: 8080, main: true }],
      env: {
        A: '${inputs.SECRET}',
        F: '${inputs.DEX_DOMAIN}',
        I: 'x-${inputs.I}-${inputs.I_2}',
        J: 'fallback',
        K: '',
      },
    });
    expect(notes.join('\n')).toMatch(/base64:32\} \(random bytes in base64\) is generated as hex/);
    expect(notes.join('\n')).toMatch(/\$\{K\} is not set by template\.toml/);
  });

  it('refuses what a manifest cannot say, one app at a time', () => {
    const compose = 'services:\n  web:\n    image: x/web:1.0\n    environment: {A: $A}\n';
    expect(blueprint('[config]\nenv = ["A=${nowhere}"]\n', compose).skipped[0]!.reason).toBe(
      'A refers to ${nowhere}, which template.toml does not define',
    );
    expect(blueprint('[config]\nenv = ["A=${timestamp}"]\n', compose).skipped[0]!.reason).toMatch(
      /the time of the install/,
    );
    expect(
      blueprint('[variables]\na = "${b}"\nb = "${a}"\n[config]\nenv = ["A=${a}"]\n', compose)
        .skipped[0]!.reason,
    ).toMatch(/refers to itself/);
    expect(blueprint('[config\n', compose).skipped[0]!.reason).toMatch(
      /^template\.toml is not valid TOML/,
    );
  });

  it('has no main port without a domain, and says so', () => {
    const result = blueprint('[config]\nenv = []\n', 'services:\n  db:\n    image: x/db:1.0\n');
    expect(result.apps[0]!.manifest.services[0]).toMatchObject({ name: 'db', main: true });
    expect(result.apps[0]!.manifest.services[0]!.ports).toBeUndefined();
    expect(result.apps[0]!.notes).toContain(
      'template.toml routes no domain: the app has no web UI',
    );
  });
});
