import { resolvePlan } from '../plan/resolve-plan';
import { context, uptimeKuma } from '../plan/testing/plan-fixtures';
import { runArgs } from './docker-cli';

describe('docker run argument list', () => {
  it('puts every plan value after its flag and the image after "--"', () => {
    const plan = resolvePlan(uptimeKuma(), {}, context());
    const web = plan.services[0]!;
    const args = runArgs(plan, web);
    expect(args.slice(0, 5)).toEqual(['docker', 'run', '--detach', '--name', web.containerName]);
    expect(args).toContain('--network');
    expect(args[args.indexOf('--network') + 1]).toBe(plan.network);
    const dashDash = args.indexOf('--');
    expect(args[dashDash + 1]).toBe(web.image);
    // Nothing before "--" is the image, nothing after it is a flag of docker run.
    expect(args.slice(0, dashDash)).not.toContain(web.image);
    for (const [key, value] of Object.entries(web.labels)) {
      expect(args[args.indexOf(`${key}=${value}`) - 1]).toBe('--label');
    }
  });

  it('splits an entrypoint into --entrypoint and leading arguments', () => {
    const plan = resolvePlan(uptimeKuma(), {}, context());
    const service = { ...plan.services[0]!, entrypoint: ['/bin/sh', '-c'], command: ['echo hi'] };
    const args = runArgs(plan, service);
    expect(args[args.indexOf('--entrypoint') + 1]).toBe('/bin/sh');
    expect(args.slice(args.indexOf('--') + 1)).toEqual([service.image, '-c', 'echo hi']);
  });

  it('turns an exec-form healthcheck into a quoted shell line', () => {
    const plan = resolvePlan(uptimeKuma(), {}, context());
    const service = {
      ...plan.services[0]!,
      healthcheck: {
        test: ['CMD', 'wget', "it's"],
        interval_s: 5,
        timeout_s: 2,
        retries: 1,
        start_period_s: 0,
      },
    };
    const args = runArgs(plan, service);
    expect(args[args.indexOf('--health-cmd') + 1]).toBe(`'wget' 'it'\\''s'`);
    expect(args[args.indexOf('--health-interval') + 1]).toBe('5s');
  });
});
