import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { McpTool, READ_ONLY } from '../mcp/mcp-tool.decorator';
import { AUDIT_LIST_SCHEMA, AUDIT_VERIFICATION_SCHEMA } from './audit.schemas';
import { AuditService } from './audit.service';
import { QueryAuditLogDto } from './dto/query-audit-log.dto';

@Injectable()
export class AuditTools {
  constructor(private readonly audit: AuditService) {}

  @McpTool({
    name: 'query_audit_log',
    description: 'Search the audit log (newest first) by actor, action, target and time.',
    access: 'admin',
    toolset: 'audit',
    input: QueryAuditLogDto,
    output: AUDIT_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  queryAuditLog(_actor: Actor, input: QueryAuditLogDto) {
    return this.audit.query(input);
  }

  @McpTool({
    name: 'verify_audit_log',
    description:
      'Check the HMAC chain of the audit log; names the first row that was edited, deleted, inserted or reordered.',
    access: 'admin',
    toolset: 'audit',
    input: EmptyDto,
    output: AUDIT_VERIFICATION_SCHEMA,
    annotations: READ_ONLY,
  })
  verifyAuditLog() {
    return this.audit.verify();
  }
}
