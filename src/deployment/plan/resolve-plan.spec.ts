import { describeProblems } from '../../marketplace/manifest/manifest-validator';
import type { AppManifest, ManifestService } from '../../marketplace/manifest/manifest.types';
import type { PlannedService, PlanProblem } from './deployment-plan.types';
import { PlanError } from './plan-error';
import { planService } from './plan-service';
import { substitutionVariables } from './plan-substitution';
import { resolvePlan, startOrder } from './resolve-plan';
import {
  context,
  DATA_ROOT,
  INSTALLATION_ID,
  notes,
  problemsOf,
  SHORT_ID,
  uptimeKuma,
} from './testing/plan-fixtures';

const PREFIX = `tomo-${SHORT_ID}`;

function web(manifest: AppManifest): ManifestService {
  return manifest.services[0]!;
}

function planned(manifest: AppManifest, name: string, config: unknown = {}): PlannedService {
  const service = resolvePlan(manifest, config, context()).services.find((s) => s.name === name);
  if (!service) throw new Error(`no service ${name}`);
  return service;
}

describe('deployment plan', () => {
  it('resolves the documented example (uptime-kuma) completely', () => {
    const plan = resolvePlan(uptimeKuma(), undefined, context());
    const password = plan.inputs.ADMIN_PASSWORD ?? '';
    expect(password).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{23}$/);
    expect(plan).toEqual({
      appId: 'uptime-kuma',
      version: '1.23.16',
      installationId: INSTALLATION_ID,
      network: PREFIX,
      appData: `${DATA_ROOT}/uptime-kuma`,
      inputs: { ADMIN_PASSWORD: password },
      secretInputs: ['ADMIN_PASSWORD'],
      volumes: [`${PREFIX}-data`],
      services: [
        {
          name: 'web',
          containerName: `${PREFIX}-web`,
          image: 'louislam/uptime-kuma:1.23.16',
          pull: 'missing',
          command: null,
          entrypoint: null,
          env: { TZ: 'UTC', PASSWORD: password },
          ports: [{ container: 3001, host: 3001, protocol: 'tcp', main: true }],
          volumes: [
            { kind: 'volume', name: `${PREFIX}-data`, target: '/app/data', readOnly: false },
            {
              kind: 'bind',
              source: `${DATA_ROOT}/uptime-kuma/config`,
              target: '/config',
              readOnly: true,
            },
          ],
          healthcheck: {
            test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1:3001'],
            interval_s: 30,
            timeout_s: 5,
            retries: 3,
            start_period_s: 10,
          },
          restart: 'unless-stopped',
          user: '1000:1000',
          capabilities: [],
          labels: {
            'tomo.installation': INSTALLATION_ID,
            'tomo.app': 'uptime-kuma',
            'tomo.service': 'web',
          },
          aliases: ['web'],
          dependsOn: [],
          main: true,
        },
      ],
    });
  });

  it('applies the documented config example to uptime-kuma', () => {
    const plan = resolvePlan(
      uptimeKuma(),
      {
        inputs: { ADMIN_PASSWORD: 'correct horse battery staple' },
        ports: { '3001/tcp': 13001 },
        env: { TZ: 'Europe/Paris' },
        volumes: { '/config': '/srv/tomo/apps/uptime-kuma/config' },
      },
      context(),
    );
    const service = plan.services[0]!;
    expect(service.env).toEqual({ TZ: 'Europe/Paris', PASSWORD: 'correct horse battery staple' });
    expect(service.ports[0]?.host).toBe(13001);
  });

  it('names everything after the installation, lower-casing its id', () => {
    const plan = resolvePlan(
      notes(),
      {},
      context({ installationId: INSTALLATION_ID.toUpperCase() }),
    );
    expect(plan.installationId).toBe(INSTALLATION_ID);
    expect(plan.network).toBe(PREFIX);
    expect(plan.services.map((s) => [s.containerName, s.aliases])).toEqual([
      [`${PREFIX}-db`, ['db']],
      [`${PREFIX}-web`, ['web']],
    ]);
    expect(plan.volumes).toEqual([`${PREFIX}-pgdata`, `${PREFIX}-uploads`]);
  });

  describe('substitutions (rule 3)', () => {
    it('resolves ${inputs.NAME}, ${app_id}, ${installation_id} and ${app_data} in every string', () => {
      const manifest = notes();
      const service = web(manifest);
      service.entrypoint = ['/entry', '--data=${app_data}', '--id=${installation_id}'];
      service.healthcheck = { test: ['CMD', 'check', '${app_data}/health', '${inputs.SMTP_PORT}'] };
      service.labels = { 'org.example.path': '${app_data}/${inputs.DB_NAME}' };
      service.volumes!.push({ host: '${app_data}/${inputs.DB_NAME}/files', container: '/files' });
      service.env = { WHERE: '${app_id}@${app_data}', N: 3, B: false };
      const plan = resolvePlan(manifest, { inputs: { DB_NAME: 'vv', SMTP_PORT: 2525 } }, context());
      const planned = plan.services.find((s) => s.name === 'web')!;
      const appData = `${DATA_ROOT}/notes`;
      expect(planned.command).toEqual(['serve', '--workers', '2']);
      expect(planned.entrypoint).toEqual([
        '/entry',
        `--data=${appData}`,
        `--id=${INSTALLATION_ID}`,
      ]);
      expect(planned.healthcheck?.test).toEqual(['CMD', 'check', `${appData}/health`, '2525']);
      expect(planned.labels['org.example.path']).toBe(`${appData}/vv`);
      expect(planned.volumes[2]).toEqual({
        kind: 'bind',
        source: `${appData}/vv/files`,
        target: '/files',
        readOnly: false,
      });
      expect(planned.env).toEqual({ WHERE: `notes@${appData}`, N: '3', B: 'false' });
    });

    it('keeps option-looking values as single arguments', () => {
      const manifest = notes();
      web(manifest).command = ['serve', '${inputs.DB_PASSWORD}'];
      const service = planned(manifest, 'web', {
        inputs: { DB_PASSWORD: '--privileged --pid=host' },
      });
      expect(service.command).toEqual(['serve', '--privileged --pid=host']);
    });

    // The manifest validator refuses `${…}` in images today (it checks the raw reference), so
    // image substitution is exercised on planService, the layer that would do it.
    it('resolves an image and refuses one that is no longer a pinned reference, without the value', () => {
      const variables = substitutionVariables(
        { TAG: '2.1.0' },
        { appId: 'notes', installationId: INSTALLATION_ID, appData: `${DATA_ROOT}/notes` },
      );
      const planContext = {
        appId: 'notes',
        installationId: INSTALLATION_ID,
        prefix: PREFIX,
        appData: `${DATA_ROOT}/notes`,
        variables,
        overrides: undefined,
        main: true,
      };
      const image = (tag: string) => {
        const problems: PlanProblem[] = [];
        const service = planService(
          { name: 'web', image: 'ghcr.io/example/${app_id}:${inputs.TAG}' },
          0,
          { ...planContext, variables: new Map([...variables, ['inputs.TAG', tag]]) },
          problems,
        );
        return { image: service.image, problems };
      };
      expect(image('2.1.0')).toEqual({ image: 'ghcr.io/example/notes:2.1.0', problems: [] });
      for (const tag of ['latest', '--privileged', 'a b', '', '2.1.0@sha256:nope']) {
        expect(image(tag).problems).toEqual([
          {
            path: 'services[0].image',
            message:
              '"ghcr.io/example/${app_id}:${inputs.TAG}" does not resolve to a valid, pinned image reference',
          },
        ]);
      }
    });

    it('keeps bind mounts from ${app_data} inside it whatever an input holds', () => {
      const manifest = notes();
      manifest.inputs!.push({ name: 'SUB', label: 'Sub', type: 'text', default: 'files' });
      web(manifest).volumes!.push({ host: '${app_data}/${inputs.SUB}', container: '/files' });
      const bind = (sub: string) => planned(manifest, 'web', { inputs: { SUB: sub } }).volumes[2];
      expect(bind('a/./b//c/')).toMatchObject({ source: `${DATA_ROOT}/notes/a/b/c` });
      expect(problemsOf(manifest, { inputs: { SUB: '../../etc' } })).toEqual([
        'services[0].volumes[2].host: resolves to a path that must not contain ".." segments',
      ]);
      expect(problemsOf(manifest, { inputs: { SUB: 'x:/etc:rw' } })).toEqual([
        'services[0].volumes[2].host: resolves to a path that must not contain ":", "," or "\\"',
      ]);
    });

    it('refuses line breaks and NUL that the manifest itself puts in env values and labels', () => {
      const manifest = notes();
      web(manifest).env = { A: 'one\ntwo' };
      web(manifest).labels = { 'org.example.x': 'a\rb' };
      expect(problemsOf(manifest, {})).toEqual([
        'services[0].env.A: must not contain line breaks or NUL',
        'services[0].labels["org.example.x"]: must not contain line breaks or NUL',
      ]);
    });

    it('refuses a multi-line script in a command (SECURITY_CHECKLIST 25); one line passes', () => {
      const manifest = notes();
      web(manifest).command = ['sh', '-c', 'echo one\necho two'];
      web(manifest).entrypoint = ['/bin/sh\0'];
      expect(problemsOf(manifest, {})).toEqual([
        'services[0].command[2]: must not contain line breaks or NUL (join script lines with ";")',
        'services[0].entrypoint[0]: must not contain line breaks or NUL (join script lines with ";")',
      ]);
      delete web(manifest).entrypoint;
      web(manifest).command = ['sh', '-c', 'echo one; echo two'];
      expect(planned(manifest, 'web').command).toEqual(['sh', '-c', 'echo one; echo two']);
    });
  });

  describe('ports and volumes (rule 4)', () => {
    it('reports host ports published twice once overrides apply', () => {
      expect(problemsOf(notes(), { ports: { 'db:5432/tcp': 8080 } })).toEqual([
        'config.ports["db:5432/tcp"]: host port 8080/tcp is also published by web (8080/tcp)',
      ]);
      expect(problemsOf(notes(), { ports: { '8080/tcp': 5432, 'db:5432/tcp': 5432 } })).toEqual([
        'config.ports["db:5432/tcp"]: host port 5432/tcp is also published by web (8080/tcp)',
      ]);
    });

    it('lets tcp and udp share a number, and moves a clash out of the way', () => {
      expect(problemsOf(notes(), { ports: { '9090/udp': 8080 } })).toEqual([]);
      expect(problemsOf(notes(), { ports: { '8080/tcp': 18080, 'db:5432/tcp': 8080 } })).toEqual(
        [],
      );
    });

    it('shares a named volume between the services that name it', () => {
      const manifest = notes();
      web(manifest).volumes!.push({ name: 'shared', container: '/shared', mode: 'ro' });
      manifest.services[1]!.volumes!.push({ name: 'shared', container: '/export' });
      const plan = resolvePlan(manifest, {}, context());
      expect(plan.volumes).toEqual([`${PREFIX}-pgdata`, `${PREFIX}-shared`, `${PREFIX}-uploads`]);
      const mounts = plan.services.flatMap((s) => s.volumes.filter((v) => v.kind === 'volume'));
      expect(mounts.filter((v) => v.name === `${PREFIX}-shared`)).toEqual([
        { kind: 'volume', name: `${PREFIX}-shared`, target: '/export', readOnly: false },
        { kind: 'volume', name: `${PREFIX}-shared`, target: '/shared', readOnly: true },
      ]);
    });

    it('mounts ${app_data} itself, and refuses two mounts at one container path', () => {
      const manifest = notes();
      web(manifest).volumes!.push({ host: '${app_data}', container: '/all' });
      expect(planned(manifest, 'web').volumes[2]).toMatchObject({ source: `${DATA_ROOT}/notes` });
      web(manifest).volumes!.push({ name: 'other', container: '/config/' });
      expect(problemsOf(manifest, {})).toEqual([
        'services[0].volumes[3].container: /config is mounted twice',
      ]);
    });

    it('refuses container paths Docker would misread', () => {
      const manifest = notes();
      web(manifest).volumes = [
        { name: 'a', container: '/a:/b' },
        { name: 'b', container: '/x/../etc' },
        { name: 'c', container: '/' },
      ];
      expect(problemsOf(manifest, {})).toEqual([
        'services[0].volumes[0].container: must not contain ":", "," or "\\"',
        'services[0].volumes[1].container: must not contain ".." segments',
        'services[0].volumes[2].container: cannot be the root',
      ]);
    });
  });

  describe('the rest of a service', () => {
    it('fills the defaults in explicitly', () => {
      const db = planned(notes(), 'db');
      expect(db).toMatchObject({
        pull: 'missing',
        command: null,
        entrypoint: null,
        restart: 'always',
        user: null,
        capabilities: [],
        dependsOn: [],
        main: false,
        healthcheck: {
          test: ['CMD-SHELL', 'pg_isready -U postgres'],
          interval_s: 10,
          timeout_s: 30,
          retries: 3,
          start_period_s: 0,
        },
      });
      expect(planned(notes(), 'web')).toMatchObject({
        restart: 'unless-stopped',
        healthcheck: null,
      });
    });

    it('makes the first service main when none is marked', () => {
      const manifest = notes();
      manifest.services.reverse();
      expect(resolvePlan(manifest, {}, context()).services.map((s) => [s.name, s.main])).toEqual([
        ['db', true],
        ['web', false],
      ]);
      // ...and unprefixed config keys then name db
      expect(planned(manifest, 'db', { ports: { '5432/tcp': 15432 } }).ports[0]?.host).toBe(15432);
    });

    it("adds Tomo's labels and refuses a manifest label in the tomo. namespace", () => {
      expect(planned(notes(), 'web').labels).toEqual({
        'org.example.app': 'notes',
        'org.example.install': INSTALLATION_ID,
        'tomo.installation': INSTALLATION_ID,
        'tomo.app': 'notes',
        'tomo.service': 'web',
      });
      const manifest = notes();
      web(manifest).labels = { 'tomo.installation': 'other', 'Tomo.app': 'x' };
      expect(problemsOf(manifest, {})).toEqual([
        'services[0].labels["tomo.installation"]: labels starting with "tomo." are reserved for Tomo',
        'services[0].labels["Tomo.app"]: labels starting with "tomo." are reserved for Tomo',
      ]);
    });

    it('refuses a healthcheck whose test is not CMD, CMD-SHELL or NONE', () => {
      const manifest = notes();
      web(manifest).healthcheck = { test: ['curl', '-f', 'http://localhost'] };
      expect(problemsOf(manifest, {})).toEqual([
        'services[0].healthcheck.test[0]: must be CMD, CMD-SHELL or NONE',
      ]);
    });
  });

  describe('start order (rule 5)', () => {
    const service = (name: string, dependsOn: string[] = []) =>
      ({ name, dependsOn }) as PlannedService;
    const names = (services: PlannedService[]) => startOrder(services).map((s) => s.name);

    it('starts dependencies first and keeps the manifest order otherwise', () => {
      expect(resolvePlan(notes(), {}, context()).services.map((s) => s.name)).toEqual([
        'db',
        'web',
      ]);
      expect(names([service('a', ['c']), service('b'), service('c', ['b']), service('d')])).toEqual(
        ['b', 'c', 'a', 'd'],
      );
      expect(names([service('x'), service('y'), service('z')])).toEqual(['x', 'y', 'z']);
      expect(names([service('a', ['b', 'c']), service('c', ['b']), service('b')])).toEqual([
        'b',
        'c',
        'a',
      ]);
    });

    it('throws on a cycle (the validator refuses them first)', () => {
      expect(() => names([service('a', ['b']), service('b', ['a'])])).toThrow(/cycle/);
    });
  });

  describe('errors (rule 6)', () => {
    it('lists every problem of config and inputs in one PlanError', () => {
      let caught: unknown;
      try {
        resolvePlan(
          notes(),
          {
            extra: 1,
            ports: { 'db:5432/tcp': 8080 },
            inputs: { ADMIN_PASSWORD: 'x', WORKERS: 'many' },
          },
          context(),
        );
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PlanError);
      const error = caught as PlanError;
      expect(error.name).toBe('PlanError');
      expect(error.problems).toEqual([
        { path: 'config.extra', message: 'is not a known key (inputs, ports, env, volumes)' },
        { path: 'config.inputs.ADMIN_PASSWORD', message: 'is not an input of this app' },
        {
          path: 'config.ports["db:5432/tcp"]',
          message: 'host port 8080/tcp is also published by web (8080/tcp)',
        },
        { path: 'config.inputs.WORKERS', message: 'must be a number' },
      ]);
      expect(error.message).toBe(
        `The app cannot be deployed as configured: ${describeProblems(error.problems)}`,
      );
    });

    it('validates the manifest again and reports its problems', () => {
      const manifest = notes();
      web(manifest).image = 'ghcr.io/example/notes:latest';
      web(manifest).depends_on = ['cache'];
      expect(problemsOf(manifest, { nope: 1 })).toEqual([
        'services[0].image: must be pinned: ":latest" changes under you; name a version tag or a digest',
        'services[0].depends_on: "cache" is not a service of this app',
      ]);
      expect(problemsOf({ id: 'x' } as unknown as AppManifest, {})).toContain(
        'manifest_version: is required',
      );
    });

    it('throws a plain Error for a context that is a bug, not a caller problem', () => {
      for (const bad of [
        { installationId: 'not-a-uuid' },
        { dataRoot: 'relative/dir' },
        { dataRoot: '/' },
        { dataRoot: '/srv/../etc' },
        { dataRoot: '/srv/tomo:apps' },
      ]) {
        let caught: unknown;
        try {
          resolvePlan(notes(), {}, context(bad));
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(Error);
        expect(caught).not.toBeInstanceOf(PlanError);
      }
      expect(resolvePlan(notes(), {}, context({ dataRoot: '/srv//tomo/apps/' })).appData).toBe(
        `${DATA_ROOT}/notes`,
      );
    });
  });
});
