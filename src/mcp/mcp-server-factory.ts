import { Inject, Injectable } from '@nestjs/common';
import { CallToolResult, Server } from '@modelcontextprotocol/server';
import { checkAccess } from '../common/auth/access-policy';
import type { Actor, ProgressReporter } from '../common/auth/principal';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { validateDto } from '../common/validation/validate-dto';
import { McpToolRegistry, ToolFilter } from './mcp-tool-registry';
import { McpCallObserver, MCP_CALL_OBSERVER } from './mcp-call-observer';

/** What the controller learned about the HTTP request, handed to the per-request server. */
export interface McpCallContext {
  actor: Actor;
  filter: ToolFilter;
  /**
   * JSON-RPC ids of tools/call requests whose raw arguments held `__proto__`-like keys. The
   * SDK's parsing drops such keys before the tool sees them, so the controller checks the raw
   * body and the call is refused here like any unknown field.
   */
  hostileArguments: Map<string | number, string>;
}

/**
 * The actor with a progress reporter when the client sent a progressToken: each report
 * becomes a `notifications/progress` message on the request's stream. A report that cannot be
 * delivered (the client went away) does not fail the operation.
 */
function withProgress(
  actor: Actor,
  progressToken: string | number | undefined,
  notify: (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>,
): Actor {
  if (progressToken === undefined) return actor;
  const progress: ProgressReporter = (progress, total, message) =>
    notify({
      method: 'notifications/progress',
      params: { progressToken, progress, total, message },
    }).catch(() => undefined);
  return { ...actor, progress };
}

/** Builds the low-level SDK server that answers one stateless MCP request. */
@Injectable()
export class McpServerFactory {
  constructor(
    private readonly registry: McpToolRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MCP_CALL_OBSERVER) private readonly observer: McpCallObserver,
  ) {}

  create(context: McpCallContext): Server {
    const server = new Server(
      { name: 'tomo', title: 'Tomo', version: this.config.version },
      {
        capabilities: { tools: { listChanged: false } },
        instructions:
          'Tomo manages a fleet of Docker servers. Tools are filtered to what your role may do; destructive tools are marked destructiveHint.',
      },
    );
    server.setRequestHandler('tools/list', () => ({
      tools: this.registry.listFor(context.actor.principal, context.filter),
    }));
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const started = process.hrtime.bigint();
      const hostileKey = context.hostileArguments.get(ctx.mcpReq.id);
      const result = hostileKey
        ? this.failure(
            new DomainError('VALIDATION_FAILED', `${hostileKey}: property is not allowed`),
            request.params.name,
          )
        : await this.call(
            withProgress(context.actor, ctx.mcpReq._meta?.progressToken, ctx.mcpReq.notify),
            request.params.name,
            request.params.arguments,
          );
      this.observer.toolCalled(
        request.params.name,
        result.isError === true,
        Number(process.hrtime.bigint() - started) / 1e6,
      );
      const tool = this.registry.get(request.params.name);
      return server.projectCallToolResult(result, tool?.listing.outputSchema);
    });
    return server;
  }

  /** Access check, input validation, the call, and the mapping of its outcome. */
  async call(actor: Actor, name: string, args: unknown): Promise<CallToolResult> {
    try {
      const tool = this.registry.get(name);
      if (!tool) throw new DomainError('NOT_FOUND', `There is no tool named "${name}".`);
      checkAccess(actor.principal, tool.options.access, tool.options.annotations.readOnlyHint);
      const input = await validateDto(tool.options.input, args);
      const value = await tool.invoke(actor, input);
      const structured = (value ?? {}) as Record<string, unknown>;
      return {
        content: [{ type: 'text', text: JSON.stringify(structured) }],
        structuredContent: structured,
      };
    } catch (error) {
      return this.failure(error, name);
    }
  }

  private failure(error: unknown, tool: string): CallToolResult {
    const failure =
      error instanceof DomainError
        ? { code: error.code, message: error.message }
        : this.internal(error, tool);
    return {
      isError: true,
      content: [{ type: 'text', text: JSON.stringify(failure) }],
      structuredContent: failure,
    };
  }

  private internal(error: unknown, tool: string): { code: string; message: string } {
    this.observer.toolFailed(tool, error);
    return { code: 'INTERNAL', message: 'Internal error; the server log has the details.' };
  }
}
