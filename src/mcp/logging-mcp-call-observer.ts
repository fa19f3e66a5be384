import { Injectable, Logger } from '@nestjs/common';
import { McpCallObserver } from './mcp-call-observer';

/** Default observer: failures go to the log; counts come from the monitoring module later. */
@Injectable()
export class LoggingMcpCallObserver implements McpCallObserver {
  private readonly logger = new Logger('mcp');

  toolCalled(): void {
    // Counted by the monitoring module's observer when it is installed.
  }

  toolFailed(name: string, error: unknown): void {
    this.logger.error({ tool: name, err: error }, 'MCP tool failed unexpectedly');
  }
}
