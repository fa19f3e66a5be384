import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { DESTRUCTIVE, McpTool, READ_ONLY, WRITE } from '../mcp/mcp-tool.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { CreatePolicyDto, PolicyIdDto, RetentionScopeDto, UpdatePolicyDto } from './dto/policy.dto';
import { RetentionService } from './retention.service';
import { POLICY_LIST_SCHEMA, POLICY_SCHEMA, RETENTION_REPORT_SCHEMA } from './retention.views';

@Injectable()
export class RetentionTools {
  constructor(private readonly retention: RetentionService) {}

  @McpTool({
    name: 'create_policy',
    description:
      'Create the retention policy of a data type (logs, activity, audit, metrics, notifications, sessions, installations, backups): rows older than retention_days are deleted by each run.',
    access: 'admin',
    toolset: 'settings',
    input: CreatePolicyDto,
    output: POLICY_SCHEMA,
    annotations: WRITE,
  })
  createPolicy(actor: Actor, input: CreatePolicyDto) {
    return this.retention.create(actor, input);
  }

  @McpTool({
    name: 'list_policies',
    description: 'The retention policies, with when each last ran and how many rows it deleted.',
    access: 'admin',
    toolset: 'settings',
    input: EmptyDto,
    output: POLICY_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listPolicies() {
    return this.retention.list();
  }

  @McpTool({
    name: 'update_policy',
    description: 'Change the days a retention policy keeps, or enable/disable it.',
    access: 'admin',
    toolset: 'settings',
    input: UpdatePolicyDto,
    output: POLICY_SCHEMA,
    annotations: { ...WRITE, idempotentHint: true },
  })
  updatePolicy(actor: Actor, input: UpdatePolicyDto) {
    return this.retention.update(actor, input);
  }

  @McpTool({
    name: 'delete_policy',
    description: 'Delete a retention policy: its data type is then kept forever.',
    access: 'admin',
    toolset: 'settings',
    input: PolicyIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  deletePolicy(actor: Actor, input: PolicyIdDto) {
    return this.retention.remove(actor, input);
  }

  @McpTool({
    name: 'preview_retention',
    description:
      'Count what run_retention would delete now, per enabled policy (or one data type), with each cutoff.',
    access: 'admin',
    toolset: 'settings',
    input: RetentionScopeDto,
    output: RETENTION_REPORT_SCHEMA,
    annotations: READ_ONLY,
  })
  previewRetention(_actor: Actor, input: RetentionScopeDto) {
    return this.retention.preview(input);
  }

  @McpTool({
    name: 'run_retention',
    description:
      'Delete the rows older than each enabled policy allows (or one data type) now; reports the rows deleted per type.',
    access: 'admin',
    toolset: 'settings',
    input: RetentionScopeDto,
    output: RETENTION_REPORT_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  runRetention(actor: Actor, input: RetentionScopeDto) {
    return this.retention.run(actor, input);
  }
}
