import { describeProblems } from '../../marketplace/manifest/manifest-validator';
import type { PlanProblem } from './deployment-plan.types';

/**
 * The manifest, the caller's `config` or the kept inputs cannot make a deployment plan. Carries
 * every problem found, not just the first; the engine maps it to a VALIDATION_FAILED DomainError
 * listing them. Problems name keys and paths, never input values (they may be secrets).
 */
export class PlanError extends Error {
  readonly problems: PlanProblem[];

  constructor(problems: PlanProblem[]) {
    super(`The app cannot be deployed as configured: ${describeProblems(problems)}`);
    this.name = 'PlanError';
    this.problems = problems;
  }
}
