import { Injectable } from '@nestjs/common';

/** The data types of TOOLS.md "retention", each purged by the module that owns it. */
export const RETENTION_DATA_TYPES = [
  'logs',
  'activity',
  'audit',
  'metrics',
  'notifications',
  'sessions',
  'installations',
  'backups',
] as const;
export type RetentionDataType = (typeof RETENTION_DATA_TYPES)[number];

/**
 * What the owner of one data type gives the retention module. `count` and `deleteBatch` use the
 * same condition, so a preview counts exactly what a run deletes. `cutoff` is an ISO-8601 UTC
 * time: rows strictly older are purged.
 */
export interface RetentionTarget {
  dataType: RetentionDataType;
  count(cutoff: string): Promise<number>;
  /**
   * Deletes up to `limit` of the oldest rows older than `cutoff` in one short transaction and
   * returns how many it deleted; the retention run calls it until it returns 0.
   */
  deleteBatch(cutoff: string, limit: number): Promise<number>;
}

/** The registry modules add their retention targets to (in `onModuleInit`). */
@Injectable()
export class RetentionTargets {
  private readonly targets = new Map<RetentionDataType, RetentionTarget>();

  register(target: RetentionTarget): void {
    if (this.targets.has(target.dataType)) {
      throw new Error(`Two retention targets for ${target.dataType}`);
    }
    this.targets.set(target.dataType, target);
  }

  get(dataType: RetentionDataType): RetentionTarget | undefined {
    return this.targets.get(dataType);
  }
}
