import { parse } from 'yaml';
import { composeServices, durationSeconds, splitCommand } from './compose';
import { Unrepresentable } from './importer';

const identity = (value: string) => value;

function convert(yaml: string, main?: string) {
  const notes: string[] = [];
  const services = composeServices(parse(yaml), { substitute: identity, notes }, main);
  return { services, notes };
}

function refusal(yaml: string): string {
  try {
    convert(yaml);
  } catch (error) {
    if (error instanceof Unrepresentable) return error.message;
    throw error;
  }
  throw new Error('expected the app to be refused');
}

describe('compose services → manifest services', () => {
  it('converts the common keys of a two-service app', () => {
    const { services, notes } = convert(
      `
services:
  Web_UI:
    image: ghcr.io/acme/web:1.2.3
    container_name: web
    command: serve --port "8080" --name 'my app'
    environment: [TZ=UTC, DB_HOST=db, EMPTY=]
    ports: ["8080:8080", "127.0.0.1:9000:9000", "53:53/udp", "7000"]
    volumes: ["./data:/data", "cache:/cache:ro", "/etc/localtime:/etc/localtime:ro"]
    depends_on: {db: {condition: service_healthy}}
    restart: on-failure:3
    healthcheck: {test: "curl -f http://localhost:8080", interval: 1m30s, timeout: 5s, retries: 3}
    cap_add: [NET_BIND_SERVICE]
    labels: {com.example.team: web}
  db:
    image: postgres:16.4
    environment: {POSTGRES_PASSWORD: secret}
`,
      'Web_UI',
    );
    expect(services).toEqual([
      {
        name: 'web-ui',
        image: 'ghcr.io/acme/web:1.2.3',
        command: ['serve', '--port', '8080', '--name', 'my app'],
        env: { TZ: 'UTC', DB_HOST: 'db', EMPTY: '' },
        ports: [
          { container: 8080, host: 8080, protocol: 'tcp' },
          { container: 9000, host: null, protocol: 'tcp' },
          { container: 53, host: 53, protocol: 'udp' },
          { container: 7000, host: null, protocol: 'tcp' },
        ],
        volumes: [
          { host: '${app_data}/data', container: '/data' },
          { name: 'cache', container: '/cache', mode: 'ro' },
        ],
        healthcheck: {
          test: ['CMD-SHELL', 'curl -f http://localhost:8080'],
          interval_s: 90,
          timeout_s: 5,
          retries: 3,
        },
        restart: 'on-failure',
        depends_on: ['db'],
        capabilities: ['NET_BIND_SERVICE'],
        labels: { 'com.example.team': 'web' },
        main: true,
      },
      { name: 'db', image: 'postgres:16.4', env: { POSTGRES_PASSWORD: 'secret' } },
    ]);
    expect(notes.join('\n')).toMatch(/bound to 127\.0\.0\.1 only/);
    expect(notes.join('\n')).toMatch(/\/etc\/localtime is left out/);
    expect(notes.join('\n')).toMatch(/on-failure:3/);
  });

  it('refuses what gives a container power over its host, saying why', () => {
    const base = 'services:\n  app:\n    image: a/b:1\n';
    expect(refusal(`${base}    privileged: true\n`)).toBe('runs a privileged container');
    expect(refusal(`${base}    network_mode: host\n`)).toMatch(/host network/);
    expect(refusal(`${base}    pid: host\n`)).toMatch(/host's PID namespace/);
    expect(refusal(`${base}    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n`)).toMatch(
      /Docker socket/,
    );
    expect(refusal(`${base}    volumes: [/srv/media:/media]\n`)).toMatch(/outside the app's data/);
    expect(refusal(`${base}    cap_add: [SYS_ADMIN]\n`)).toBe('needs the capability SYS_ADMIN');
    expect(refusal(`${base}    devices: [/dev/dri:/dev/dri]\n`)).toMatch(/host devices/);
    expect(refusal(`${base}    security_opt: [seccomp:unconfined]\n`)).toMatch(/security profile/);
    expect(refusal('services:\n  app:\n    build: .\n')).toMatch(/built from source/);
    expect(refusal(`${base}    ports: ["8000-8010:8000-8010"]\n`)).toMatch(/ranges/);
    expect(refusal('services: {}\n')).toMatch(/no services/);
  });

  it('makes the first service main when the store names none', () => {
    const { services } = convert('services:\n  a:\n    image: x/a:1\n  b:\n    image: x/b:1\n');
    expect(services.map((s) => s.main)).toEqual([true, undefined]);
  });
});

describe('compose helpers', () => {
  it('splits commands as a shell would, without expanding anything', () => {
    expect(splitCommand(`sh -c "echo \\"hi\\" $HOME" 'a b'`)).toEqual([
      'sh',
      '-c',
      'echo "hi" $HOME',
      'a b',
    ]);
    expect(() => splitCommand('echo "open')).toThrow(Unrepresentable);
  });

  it('reads compose durations', () => {
    expect(durationSeconds('1h2m3s')).toBe(3723);
    expect(durationSeconds('500ms')).toBe(1);
    expect(durationSeconds(30)).toBe(30);
    expect(durationSeconds('soon')).toBeUndefined();
  });
});
