import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggingMcpCallObserver } from './logging-mcp-call-observer';
import { MCP_CALL_OBSERVER } from './mcp-call-observer';
import { McpController } from './mcp.controller';
import { McpServerFactory } from './mcp-server-factory';
import { McpToolRegistry } from './mcp-tool-registry';

/** Discovers @McpTool methods and serves them at POST /mcp. Knows no domain module. */
@Module({
  imports: [DiscoveryModule],
  controllers: [McpController],
  providers: [
    McpToolRegistry,
    McpServerFactory,
    { provide: MCP_CALL_OBSERVER, useClass: LoggingMcpCallObserver },
  ],
  exports: [McpToolRegistry, McpServerFactory, MCP_CALL_OBSERVER],
})
export class McpModule {}
