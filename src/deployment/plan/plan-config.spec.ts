import { resolvePlan } from './resolve-plan';
import {
  context,
  DATA_ROOT,
  notes,
  problemsOf,
  SHORT_ID,
  uptimeKuma,
} from './testing/plan-fixtures';

const serviceOf = (config: unknown, name: string) => {
  const service = resolvePlan(notes(), config, context()).services.find((s) => s.name === name);
  if (!service) throw new Error(`no ${name}`);
  return service;
};

describe('deployment plan: the config argument', () => {
  it('accepts no config, an empty one, and empty sections', () => {
    expect(problemsOf(notes(), undefined)).toEqual([]);
    expect(problemsOf(notes(), null)).toEqual([]);
    expect(problemsOf(notes(), {})).toEqual([]);
    expect(problemsOf(notes(), { inputs: {}, ports: {}, env: {}, volumes: {} })).toEqual([]);
  });

  it('refuses a config that is not an object, and every unknown key by name', () => {
    expect(problemsOf(notes(), [])).toEqual([
      'config: must be an object with inputs, ports, env and volumes',
    ]);
    expect(problemsOf(notes(), 'inputs')).toEqual([
      'config: must be an object with inputs, ports, env and volumes',
    ]);
    expect(problemsOf(notes(), { privileged: true, network_mode: 'host', 'cap-add': [] })).toEqual([
      'config.privileged: is not a known key (inputs, ports, env, volumes)',
      'config.network_mode: is not a known key (inputs, ports, env, volumes)',
      'config["cap-add"]: is not a known key (inputs, ports, env, volumes)',
    ]);
  });

  it.each([[null], [[]], ['x'], [3]])('refuses a section that is not an object (%j)', (value) => {
    expect(
      problemsOf(notes(), { inputs: value, ports: value, env: value, volumes: value }),
    ).toEqual([
      'config.inputs: must be an object',
      'config.ports: must be an object',
      'config.env: must be an object',
      'config.volumes: must be an object',
    ]);
  });

  it('refuses a section with too many keys in one problem', () => {
    const env = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`V${i}`, 'x']));
    expect(problemsOf(notes(), { env })).toEqual(['config.env: must have at most 256 keys']);
  });

  describe('ports', () => {
    it('publishes, moves and unpublishes ports of the main service and, prefixed, of others', () => {
      const config = { ports: { '8080/tcp': 18080, '9090/udp': 19090, 'db:5432/tcp': 15432 } };
      expect(serviceOf(config, 'web').ports).toEqual([
        { container: 8080, host: 18080, protocol: 'tcp', main: true },
        { container: 9090, host: 19090, protocol: 'udp', main: false },
      ]);
      expect(serviceOf(config, 'db').ports).toEqual([
        { container: 5432, host: 15432, protocol: 'tcp', main: false },
      ]);
      expect(serviceOf({ ports: { 'web:8080/tcp': null } }, 'web').ports[0]?.host).toBeNull();
    });

    it('applies the documented example to uptime-kuma', () => {
      const plan = resolvePlan(uptimeKuma(), { ports: { '3001/tcp': 13001 } }, context());
      expect(plan.services[0]?.ports).toEqual([
        { container: 3001, host: 13001, protocol: 'tcp', main: true },
      ]);
    });

    it('refuses unknown services, undeclared ports and keys that name no port', () => {
      expect(
        problemsOf(notes(), {
          ports: {
            'cache:6379/tcp': 16379,
            '9999/tcp': 19999,
            '8080/udp': 18080,
            'db:8080/tcp': 18080,
            '8080': 18080,
            'tcp/8080': 18080,
            'WEB:8080/tcp': 1,
          },
        }),
      ).toEqual([
        // an integer-like key comes first in a JS object's key order
        'config.ports["8080"]: must name a container port as "<port>/<tcp|udp>" or "<service>:…"',
        'config.ports["cache:6379/tcp"]: "cache" is not a service of this app (web, db)',
        'config.ports["9999/tcp"]: service "web" declares no port 9999/tcp',
        'config.ports["8080/udp"]: service "web" declares no port 8080/udp',
        'config.ports["db:8080/tcp"]: service "db" declares no port 8080/tcp',
        'config.ports["tcp/8080"]: must name a container port as "<port>/<tcp|udp>" or "<service>:…"',
        'config.ports["WEB:8080/tcp"]: "WEB" is not a service of this app (web, db)',
      ]);
    });

    it.each([[0], [65536], [-1], [80.5], ['8080'], [true], [{}], [[8080]]])(
      'refuses the host port %j',
      (host) => {
        expect(problemsOf(notes(), { ports: { '8080/tcp': host } })).toEqual([
          'config.ports["8080/tcp"]: must be a host port (an integer from 1 to 65535) or null',
        ]);
      },
    );

    it('refuses two keys naming the same port', () => {
      expect(problemsOf(notes(), { ports: { '8080/tcp': 1080, 'web:8080/tcp': 2080 } })).toEqual([
        'config.ports["web:8080/tcp"]: names the same thing as config.ports["8080/tcp"]',
      ]);
    });
  });

  describe('env', () => {
    it('sets and adds variables, coercing numbers and booleans to strings', () => {
      const config = {
        env: { TZ: 'Europe/Paris', DB_HOST: 'other', 'db:POSTGRES_DB': 'kuma', N: 42, B: true },
      };
      const web = serviceOf(config, 'web');
      expect(web.env).toMatchObject({ TZ: 'Europe/Paris', DB_HOST: 'other', N: '42', B: 'true' });
      expect(serviceOf(config, 'db').env.POSTGRES_DB).toBe('kuma');
      expect(web.env).not.toHaveProperty('POSTGRES_DB');
    });

    it('keeps values literal: no substitution, and option-looking strings are just strings', () => {
      const env = { A: '${inputs.DB_PASSWORD}', B: '--privileged', C: '$(id)', D: '$&' };
      expect(serviceOf({ env }, 'web').env).toMatchObject(env);
    });

    it('refuses bad names, line breaks, NUL, huge values and non-scalar values', () => {
      expect(
        problemsOf(notes(), {
          env: {
            '1BAD': 'x',
            'A-B': 'x',
            'A=B': 'x',
            'db:': 'x',
            'nope:TZ': 'x',
            ['X'.repeat(129)]: 'x',
            NL: 'a\nb',
            CR: 'a\rb',
            NUL: 'a\0b',
            BIG: 'x'.repeat(8193),
            OBJ: { a: 1 },
            NIL: null,
            INF: Infinity,
          },
        }),
      ).toEqual([
        'config.env["1BAD"]: must name a variable matching ^[A-Za-z_][A-Za-z0-9_]*$ (at most 128 chars)',
        'config.env["A-B"]: must name a variable matching ^[A-Za-z_][A-Za-z0-9_]*$ (at most 128 chars)',
        'config.env["A=B"]: must name a variable matching ^[A-Za-z_][A-Za-z0-9_]*$ (at most 128 chars)',
        'config.env["db:"]: must name a variable matching ^[A-Za-z_][A-Za-z0-9_]*$ (at most 128 chars)',
        'config.env["nope:TZ"]: "nope" is not a service of this app (web, db)',
        `config.env["${'X'.repeat(100)}…"]: must name a variable matching ^[A-Za-z_][A-Za-z0-9_]*$ (at most 128 chars)`,
        'config.env.NL: must not contain line breaks or NUL',
        'config.env.CR: must not contain line breaks or NUL',
        'config.env.NUL: must not contain line breaks or NUL',
        'config.env.BIG: must be at most 8192 characters',
        'config.env.OBJ: must be a string, a number or a boolean',
        'config.env.NIL: must be a string, a number or a boolean',
        'config.env.INF: must be a finite number',
      ]);
    });

    it('refuses more than 200 variables on one service once overrides are added', () => {
      const env = Object.fromEntries(Array.from({ length: 195 }, (_, i) => [`V${i}`, 'x']));
      expect(problemsOf(notes(), { env })).toEqual([
        'services[0].env: must have at most 200 variables',
      ]);
    });
  });

  describe('volumes', () => {
    it('turns a mount into a bind mount under the data root, keeping its mode', () => {
      const config = {
        volumes: {
          '/config': `${DATA_ROOT}/notes/other-config`,
          '/app/uploads/': `${DATA_ROOT}//shared/./uploads/`,
          'db:/var/lib/postgresql/data': `${DATA_ROOT}/notes/pg`,
        },
      };
      const plan = resolvePlan(notes(), config, context());
      const web = plan.services.find((s) => s.name === 'web');
      expect(web?.volumes).toEqual([
        {
          kind: 'bind',
          source: `${DATA_ROOT}/shared/uploads`,
          target: '/app/uploads',
          readOnly: false,
        },
        {
          kind: 'bind',
          source: `${DATA_ROOT}/notes/other-config`,
          target: '/config',
          readOnly: true,
        },
      ]);
      expect(plan.services.find((s) => s.name === 'db')?.volumes).toEqual([
        {
          kind: 'bind',
          source: `${DATA_ROOT}/notes/pg`,
          target: '/var/lib/postgresql/data',
          readOnly: false,
        },
      ]);
      expect(plan.volumes).toEqual([]); // no named volume is left to create
    });

    it('applies the documented example to uptime-kuma', () => {
      const config = { volumes: { '/config': '/srv/tomo/apps/uptime-kuma/config' } };
      const plan = resolvePlan(uptimeKuma(), config, context());
      expect(plan.services[0]?.volumes).toEqual([
        { kind: 'volume', name: `tomo-${SHORT_ID}-data`, target: '/app/data', readOnly: false },
        {
          kind: 'bind',
          source: '/srv/tomo/apps/uptime-kuma/config',
          target: '/config',
          readOnly: true,
        },
      ]);
    });

    it.each([
      ['/srv/tomo/apps/../../etc', 'the host path must not contain ".." segments'],
      ['/srv/tomo/apps/notes/../../../etc/shadow', 'the host path must not contain ".." segments'],
      ['/srv/tomo/apps', 'the host path must lie under the data root (/srv/tomo/apps/…)'],
      ['/srv/tomo/apps/', 'the host path must lie under the data root (/srv/tomo/apps/…)'],
      ['/srv/tomo/apps-evil/x', 'the host path must lie under the data root (/srv/tomo/apps/…)'],
      ['/var/run/docker.sock', 'the host path must lie under the data root (/srv/tomo/apps/…)'],
      ['/', 'the host path must lie under the data root (/srv/tomo/apps/…)'],
      ['srv/tomo/apps/x', 'the host path must be an absolute path'],
      ['/srv/tomo/apps/x:/etc', 'the host path must not contain ":", "," or "\\"'],
      ['/srv/tomo/apps/x\n', 'the host path must not contain control characters'],
      ['/srv/tomo/apps/x\0', 'the host path must not contain control characters'],
    ])('refuses the host path %j', (source, message) => {
      expect(problemsOf(notes(), { volumes: { '/config': source } })).toEqual([
        `config.volumes["/config"]: ${message}`,
      ]);
    });

    it('refuses paths the service does not mount, unknown services and non-string values', () => {
      expect(
        problemsOf(notes(), {
          volumes: {
            '/nope': `${DATA_ROOT}/x`,
            'db:/var/lib/mysql': `${DATA_ROOT}/x`,
            'cache:/data': `${DATA_ROOT}/x`,
            '/config/../etc': `${DATA_ROOT}/x`,
            config: `${DATA_ROOT}/x`,
            '/app/uploads': 42,
          },
        }),
      ).toEqual([
        'config.volumes["/nope"]: service "web" mounts nothing at /nope',
        'config.volumes["db:/var/lib/mysql"]: service "db" mounts nothing at /var/lib/mysql',
        'config.volumes["cache:/data"]: "cache" is not a service of this app (web, db)',
        'config.volumes["/config/../etc"]: must name a container path: it must not contain ".." segments',
        'config.volumes.config: must name a container path: it must be an absolute path',
        'config.volumes["/app/uploads"]: must be an absolute host path (a string)',
      ]);
    });
  });

  describe('prototype keys', () => {
    it('refuses them where they name nothing, and never pollutes', () => {
      const hostile: unknown = JSON.parse(
        '{"__proto__": {"polluted": 1}, "inputs": {"__proto__": "x", "constructor": "y"},' +
          ' "ports": {"__proto__": 1, "constructor:1/tcp": 1}, "volumes": {"__proto__": "/x"}}',
      );
      expect(problemsOf(notes(), hostile)).toEqual([
        'config.__proto__: is not a known key (inputs, ports, env, volumes)',
        'config.inputs.__proto__: is not an input of this app',
        'config.inputs.constructor: is not an input of this app',
        'config.ports.__proto__: must name a container port as "<port>/<tcp|udp>" or "<service>:…"',
        'config.ports["constructor:1/tcp"]: "constructor" is not a service of this app (web, db)',
        'config.volumes.__proto__: must name a container path: it must be an absolute path',
      ]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('keeps a __proto__ or constructor variable as a plain own key', () => {
      const config: unknown = JSON.parse(
        '{"env": {"__proto__": "a", "constructor": "b", "db:__proto__": "c"}}',
      );
      const web = serviceOf(config, 'web');
      expect(Object.getPrototypeOf(web.env)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(web.env, '__proto__')?.value).toBe('a');
      expect(Object.getOwnPropertyDescriptor(web.env, 'constructor')?.value).toBe('b');
      expect(Object.keys(web.env)).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
      expect(Object.getOwnPropertyDescriptor(serviceOf(config, 'db').env, '__proto__')?.value).toBe(
        'c',
      );
      expect(({} as Record<string, unknown>).a).toBeUndefined();
    });

    it('reads own keys only: an inherited section is not there', () => {
      const config = Object.create({ inputs: { NOPE: 1 }, privileged: true }) as object;
      expect(problemsOf(notes(), config)).toEqual([]);
    });
  });
});
