import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { McpTool, READ_ONLY } from '../mcp/mcp-tool.decorator';
import { LogsBySourceDto, QueryLogsDto } from './dto/query-logs.dto';
import { LOG_LIST_SCHEMA } from './logs.views';
import { LogsService } from './logs.service';

@Injectable()
export class LogsTools {
  constructor(private readonly logs: LogsService) {}

  @McpTool({
    name: 'query_logs',
    description:
      "Search Tomo's application log (newest first) by lowest level, source, message text and time.",
    access: 'admin',
    toolset: 'audit',
    input: QueryLogsDto,
    output: LOG_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  queryLogs(_actor: Actor, input: QueryLogsDto) {
    return this.logs.query(input);
  }

  @McpTool({
    name: 'get_logs_by_source',
    description: 'The newest application log events of one source (e.g. AgentGateway, SshPool).',
    access: 'admin',
    toolset: 'audit',
    input: LogsBySourceDto,
    output: LOG_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  getLogsBySource(_actor: Actor, input: LogsBySourceDto) {
    return this.logs.bySource(input);
  }
}
