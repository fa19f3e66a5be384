import { Injectable, Logger } from '@nestjs/common';
import { McpCallObserver, ToolCallListener } from './mcp-call-observer';

/** Default observer: failures go to the log; calls go to whoever listens (monitoring). */
@Injectable()
export class LoggingMcpCallObserver implements McpCallObserver {
  private readonly logger = new Logger('mcp');
  private readonly listeners: ToolCallListener[] = [];

  onToolCalled(listener: ToolCallListener): void {
    this.listeners.push(listener);
  }

  toolCalled(name: string, isError: boolean, durationMs: number): void {
    for (const listener of this.listeners) listener(name, isError, durationMs);
  }

  toolFailed(name: string, error: unknown): void {
    this.logger.error({ tool: name, err: error }, 'MCP tool failed unexpectedly');
  }
}
