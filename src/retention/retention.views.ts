import {
  bool,
  enumOf,
  int,
  listSchema,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';
import { RetentionPolicyEntity } from './retention-policy.entity';
import { RETENTION_DATA_TYPES } from './retention-target';

export interface PolicyView {
  id: string;
  data_type: string;
  retention_days: number;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  last_run_at: string | null;
  last_run_rows: number | null;
}

export interface RetentionItem {
  data_type: string;
  /** Rows strictly older than this ISO-8601 time are deleted. */
  cutoff: string;
  rows: number;
}

export interface RetentionReport {
  items: RetentionItem[];
  total_rows: number;
}

export const POLICY_SCHEMA = objectSchema({
  id: str('uuid'),
  data_type: enumOf(RETENTION_DATA_TYPES),
  retention_days: int(),
  enabled: bool(),
  created_at: str('date-time'),
  updated_at: str('date-time'),
  last_run_at: nullable(str('date-time')),
  last_run_rows: nullable(int()),
});
export const POLICY_LIST_SCHEMA = listSchema(POLICY_SCHEMA);
export const RETENTION_REPORT_SCHEMA = objectSchema({
  items: {
    type: 'array',
    items: objectSchema({
      data_type: enumOf(RETENTION_DATA_TYPES),
      cutoff: str('date-time'),
      rows: int(),
    }),
  },
  total_rows: int(),
});

export function toPolicyView(row: RetentionPolicyEntity): PolicyView {
  return {
    id: row.id,
    data_type: row.dataType,
    retention_days: row.retentionDays,
    enabled: row.enabled,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    last_run_at: row.lastRunAt,
    last_run_rows: row.lastRunRows,
  };
}
