import { posix } from 'node:path';
import fc from 'fast-check';
import type { DeploymentPlan } from './deployment-plan.types';
import { PlanError } from './plan-error';
import { RANDOM_PORT_MAX, RANDOM_PORT_MIN } from './plan-generators';
import { resolvePlan } from './resolve-plan';
import { context, DATA_ROOT, notes } from './testing/plan-fixtures';

/** The plan, or null when resolvePlan refused with a PlanError (anything else fails the test). */
function attempt(run: () => DeploymentPlan): DeploymentPlan | null {
  try {
    return run();
  } catch (error) {
    if (error instanceof PlanError) return null;
    throw error;
  }
}

/** An object built by JSON.parse, so `__proto__` keys are own keys as they would be off the wire. */
function fromEntries(entries: [string, unknown][]): Record<string, unknown> {
  const body = entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return JSON.parse(`{${body.join(',')}}`) as Record<string, unknown>;
}

const noBreak = (value: string) => !/[\r\n\0]/.test(value);

const segment = fc.constantFrom('..', '.', '', 'srv', 'tomo', 'apps', 'notes', 'apps-evil', 'etc');
const hostPath = fc
  .tuple(
    fc.constantFrom('', '/', DATA_ROOT, `${DATA_ROOT}/`, `${DATA_ROOT}/notes`, '/srv/tomo'),
    fc.array(fc.oneof(segment, fc.string({ maxLength: 4 })), { maxLength: 5 }),
  )
  .map(([start, parts]) => [start, ...parts].join('/'));

describe('deployment plan properties', () => {
  it('puts every bind source under the data root, normalised, and manifest binds under appData', () => {
    const manifest = notes();
    manifest.inputs!.push({ name: 'SUB', label: 'Sub', type: 'text', default: 'x' });
    manifest.services[0]!.volumes!.push({ host: '${app_data}/${inputs.SUB}', container: '/sub' });
    const appData = `${DATA_ROOT}/notes`;
    fc.assert(
      fc.property(
        fc.record({ config: hostPath, uploads: hostPath, pg: hostPath }, { requiredKeys: [] }),
        fc.array(fc.oneof(segment, fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }),
        (volumes, sub) => {
          const config = {
            volumes: fromEntries(
              [
                ['/config', volumes.config],
                ['/app/uploads', volumes.uploads],
                ['db:/var/lib/postgresql/data', volumes.pg],
              ].filter((entry): entry is [string, string] => entry[1] !== undefined),
            ),
            inputs: { SUB: sub.join('/') },
          };
          const plan = attempt(() => resolvePlan(manifest, config, context()));
          if (!plan) return;
          for (const service of plan.services) {
            for (const volume of service.volumes) {
              if (volume.kind !== 'bind') continue;
              expect(volume.source.startsWith(`${DATA_ROOT}/`)).toBe(true);
              expect(posix.normalize(volume.source)).toBe(volume.source);
              expect(volume.source.endsWith('/')).toBe(false);
              expect(volume.source.split('/')).not.toContain('..');
              if (volume.target === '/sub') {
                expect(volume.source === appData || volume.source.startsWith(`${appData}/`)).toBe(
                  true,
                );
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never publishes two ports on one host/protocol, and random ports avoid them all', () => {
    const hostPort = fc.oneof(
      fc.constant(null),
      fc.integer({ min: 8078, max: 8082 }),
      fc.integer({ min: 20000, max: 20006 }),
      fc.integer({ min: -2, max: 70000 }),
      fc.constantFrom('8080', true),
    );
    const keys = ['8080/tcp', 'web:8080/tcp', '9090/udp', 'db:5432/tcp'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys), hostPort), { maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 20000, max: 20006 }), { maxLength: 5 }),
        (ports, used) => {
          const usedPorts = new Set(used);
          const zeros = (n: number) => Buffer.alloc(n, 0); // always starts at 20000: collisions
          const plan = attempt(() =>
            resolvePlan(
              notes(),
              { ports: fromEntries(ports) },
              context({ usedPorts, random: zeros }),
            ),
          );
          if (!plan) return;
          const published = plan.services.flatMap((s) =>
            s.ports.filter((p) => p.host !== null).map((p) => `${p.host}/${p.protocol}`),
          );
          expect(new Set(published).size).toBe(published.length);
          const hosts = plan.services.flatMap((s) => s.ports.map((p) => p.host));
          for (const host of hosts) {
            if (host !== null)
              expect(Number.isInteger(host) && host >= 1 && host <= 65535).toBe(true);
          }
          const smtp = Number(plan.inputs.SMTP_PORT);
          expect(smtp).toBeGreaterThanOrEqual(RANDOM_PORT_MIN);
          expect(smtp).toBeLessThanOrEqual(RANDOM_PORT_MAX);
          expect(usedPorts.has(smtp)).toBe(false);
          expect(hosts).not.toContain(smtp);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('inserts any acceptable input value exactly as given, never expanded', () => {
    const value = fc
      .oneof(fc.string({ minLength: 1 }), fc.constantFrom('${inputs.DB_NAME}', '$&', '${app_data}'))
      .filter((v) => v.length > 0);
    fc.assert(
      fc.property(value, (password) => {
        const plan = attempt(() =>
          resolvePlan(notes(), { inputs: { DB_PASSWORD: password } }, context()),
        );
        expect(plan !== null).toBe(noBreak(password) && password.length <= 4096);
        if (!plan) return;
        const env = Object.fromEntries(plan.services.map((s) => [s.name, s.env]));
        expect(env.web?.DB_PASSWORD).toBe(password);
        expect(env.db?.POSTGRES_PASSWORD).toBe(password);
      }),
    );
  });

  it('accepts an env override exactly when it has no line break or NUL, and passes it as is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const plan = attempt(() => resolvePlan(notes(), { env: { 'db:EXTRA': text } }, context()));
        expect(plan !== null).toBe(noBreak(text));
        if (plan) expect(plan.services[0]?.env.EXTRA).toBe(text);
      }),
    );
  });

  it('answers any JSON config with a plan or a PlanError, and never pollutes prototypes', () => {
    const key = fc.oneof(
      fc.constantFrom('inputs', 'ports', 'env', 'volumes', '__proto__', 'constructor', 'prototype'),
      fc.constantFrom('TZ', 'db:TZ', '8080/tcp', 'db:5432/tcp', '/config', 'DB_NAME', 'toString'),
      fc.string({ maxLength: 8 }),
    );
    const scalar = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const section = fc.oneof(
      scalar,
      fc
        .array(fc.tuple(key, fc.oneof(scalar, fc.dictionary(fc.string(), scalar))), {
          maxLength: 5,
        })
        .map(fromEntries),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(key, section), { maxLength: 5 }), (entries) => {
        attempt(() => resolvePlan(notes(), fromEntries(entries), context()));
        expect(Object.keys(Object.prototype)).toEqual([]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      }),
      { numRuns: 300 },
    );
  });
});
