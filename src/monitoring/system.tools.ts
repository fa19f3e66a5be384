import { Injectable } from '@nestjs/common';
import { EmptyDto } from '../common/dto/empty.dto';
import { McpTool, READ_ONLY } from '../mcp/mcp-tool.decorator';
import { HEALTH_SCHEMA, SYSTEM_INFO_SCHEMA, VERSION_SCHEMA } from './system.schemas';
import { SystemService } from './system.service';

@Injectable()
export class SystemTools {
  constructor(private readonly system: SystemService) {}

  @McpTool({
    name: 'check_health',
    description: 'Readiness of Tomo: database and free disk space in the data directory.',
    access: 'public',
    toolset: 'monitoring',
    input: EmptyDto,
    output: HEALTH_SCHEMA,
    annotations: READ_ONLY,
  })
  checkHealth() {
    return this.system.readiness();
  }

  @McpTool({
    name: 'get_version',
    description: 'Version of Tomo, its REST API and the MCP protocol revisions it serves.',
    access: 'public',
    toolset: 'monitoring',
    input: EmptyDto,
    output: VERSION_SCHEMA,
    annotations: READ_ONLY,
  })
  getVersion() {
    return this.system.version();
  }

  @McpTool({
    name: 'get_system_info',
    description:
      'Version, uptime, Node version, database size and free space in the data directory.',
    access: 'readonly',
    toolset: 'monitoring',
    input: EmptyDto,
    output: SYSTEM_INFO_SCHEMA,
    annotations: READ_ONLY,
  })
  getSystemInfo() {
    return this.system.info();
  }
}
