import type { DeploymentPlan } from './deployment-plan.types';

/**
 * The plan with the container names of a generation: `tomo-<id>-web` at install, `tomo-<id>-web.2`
 * after the second update. update_app starts the new generation beside the stopped old one, so
 * it can roll back; a "." cannot occur in a service name, so no two names ever meet.
 */
export function atGeneration(plan: DeploymentPlan, generation: number): DeploymentPlan {
  if (generation === 0) return plan;
  return {
    ...plan,
    services: plan.services.map((service) => ({
      ...service,
      containerName: `${service.containerName}.${generation}`,
    })),
  };
}
