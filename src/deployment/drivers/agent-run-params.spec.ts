import { atGeneration } from '../plan/plan-generation';
import { resolvePlan } from '../plan/resolve-plan';
import { context, notes, seededRandom, uptimeKuma } from '../plan/testing/plan-fixtures';
import { canonicalTag } from './agent-driver';
import { agentRunParams, missingExtensions } from './agent-run-params';

const notesConfig = {
  inputs: {
    ADMIN_EMAIL: 'a@example.org',
    PUBLIC_URL: 'https://n.example.org',
    MEDIA_DIR: '/srv/tomo/apps/notes/media',
  },
};

describe('docker.containers.run params of a planned service', () => {
  it('carries the protocol fields and the plan values unchanged', () => {
    const plan = resolvePlan(uptimeKuma(), {}, context({ random: seededRandom() }));
    const web = plan.services[0]!;
    const params = agentRunParams(plan, web);
    expect(params).toMatchObject({
      image: web.image,
      name: web.containerName,
      ports: { '3001': '3001/tcp' },
      env: web.env,
      network: plan.network,
      restart_policy: 'unless-stopped',
      labels: web.labels,
      healthcheck: {
        test: web.healthcheck!.test,
        interval: 30,
        timeout: 5,
        retries: 3,
        start_period: 10,
      },
      user: '1000:1000',
      network_aliases: ['web'],
    });
    expect(params.volumes).toEqual([
      { host: `tomo-${plan.network.slice(5)}-data`, container: '/app/data', mode: 'rw' },
      { host: '/srv/tomo/apps/uptime-kuma/config', container: '/config', mode: 'ro' },
    ]);
  });

  it('leaves unpublished ports out and keys a second protocol on one host port by protocol', () => {
    const plan = resolvePlan(notes(), notesConfig, context({ random: seededRandom() }));
    const web = plan.services.find((service) => service.name === 'web')!;
    expect(agentRunParams(plan, web).ports).toEqual({ '8080': '8080/tcp' });
    const dual = {
      ...web,
      ports: [
        { container: 53, host: 5353, protocol: 'tcp' as const, main: true },
        { container: 53, host: 5353, protocol: 'udp' as const, main: false },
      ],
    };
    expect(agentRunParams(plan, dual).ports).toEqual({ '5353': '53/tcp', '5353/udp': '53/udp' });
  });

  it('names a later generation differently and keeps everything else', () => {
    const plan = resolvePlan(uptimeKuma(), {}, context({ random: seededRandom() }));
    const next = atGeneration(plan, 2);
    expect(next.services[0]!.containerName).toBe(`${plan.services[0]!.containerName}.2`);
    expect(next.network).toBe(plan.network);
    expect(next.volumes).toEqual(plan.volumes);
    expect(atGeneration(plan, 0)).toBe(plan);
  });
});

describe('extension check on the created container', () => {
  const plan = resolvePlan(uptimeKuma(), {}, context({ random: seededRandom() }));
  const web = { ...plan.services[0]!, entrypoint: ['/bin/sh'], capabilities: ['NET_ADMIN'] };

  it('is satisfied when the container shows every extension', () => {
    expect(
      missingExtensions(plan, web, {
        Config: { User: '1000:1000', Entrypoint: ['/bin/sh'], Healthcheck: { StartPeriod: 10e9 } },
        HostConfig: { CapAdd: ['CAP_NET_ADMIN'] },
        NetworkSettings: { Networks: { [plan.network]: { Aliases: ['web', 'abc123'] } } },
      }),
    ).toEqual([]);
  });

  it('names each extension an agent ignored', () => {
    expect(missingExtensions(plan, web, { Config: {}, NetworkSettings: { Networks: {} } })).toEqual(
      ['network_aliases', 'user', 'entrypoint', 'healthcheck.start_period', 'cap_add'],
    );
  });
});

describe('canonicalTag', () => {
  it.each([
    ['nginx', 'nginx:latest'],
    ['nginx:1.27', 'nginx:1.27'],
    ['docker.io/library/nginx:1', 'nginx:1'],
    ['localhost:5000/tomo-test/busybox', 'localhost:5000/tomo-test/busybox:latest'],
    ['localhost:5000/tomo-test/busybox:1.35', 'localhost:5000/tomo-test/busybox:1.35'],
  ])('%s → %s', (image, tag) => {
    expect(canonicalTag(image)).toBe(tag);
  });
});
