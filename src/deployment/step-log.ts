import type { ProgressReporter } from '../common/auth/principal';
import { nowIso } from '../common/time';

export interface StepRecord {
  name: string;
  status: 'running' | 'done' | 'failed';
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

/** An error of a deployment step, carrying every step so far (the failed one last). */
export class StepFailure extends Error {
  constructor(
    readonly original: unknown,
    readonly steps: StepRecord[],
    /** update_app: the previous containers run again. */
    readonly rolledBack = false,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }

  get failedStep(): string | null {
    return this.steps.find((step) => step.status === 'failed')?.name ?? null;
  }
}

/** The steps of one operation: each timed, recorded, and reported as MCP progress. */
export class StepLog {
  readonly steps: StepRecord[] = [];
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly progress?: ProgressReporter,
  ) {}

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const record: StepRecord = {
      name,
      status: 'running',
      started_at: nowIso(),
      finished_at: null,
      error: null,
    };
    this.steps.push(record);
    await this.progress?.(this.done, this.total, name);
    try {
      const result = await work();
      record.status = 'done';
      return result;
    } catch (error) {
      record.status = 'failed';
      record.error = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      throw error;
    } finally {
      record.finished_at = nowIso();
      this.done += 1;
    }
  }

  async finish(message: string): Promise<void> {
    await this.progress?.(this.total, this.total, message);
  }
}
