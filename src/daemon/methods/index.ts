import type Docker from 'dockerode';
import type { PolicyContext } from '../container-policy';
import type { MetricsCollector } from '../metrics';
import type { MethodHandler } from '../rpc-server';
import { agentMethods, type AgentMethodDeps } from './agent-methods';
import { containerMethods } from './docker-containers';
import { resourceMethods } from './docker-resources';
import { runMethod } from './docker-run';
import { execMethod, type ExecMethodDeps } from './exec';
import { systemMethods } from './system';

export interface MethodDeps {
  agent: AgentMethodDeps;
  exec: ExecMethodDeps;
  docker: Docker;
  metrics: MetricsCollector;
  policy: PolicyContext;
}

/** Every method of AGENT_PROTOCOL.md §4. */
export function buildMethodTable(deps: MethodDeps): Map<string, MethodHandler> {
  return new Map(
    Object.entries({
      ...agentMethods(deps.agent),
      ...systemMethods(deps.docker, deps.metrics),
      'system.exec': execMethod(deps.exec),
      ...containerMethods(deps.docker),
      'docker.containers.run': runMethod({ docker: deps.docker, policy: deps.policy }),
      ...resourceMethods(deps.docker),
    }),
  );
}
