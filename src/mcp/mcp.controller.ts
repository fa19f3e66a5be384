import { All, Controller, Inject, OnModuleDestroy, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createMcpHandler, McpHttpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { Response } from 'express';
import { AuthenticatesItself } from '../common/auth/access.decorator';
import { AUTHENTICATOR, Authenticator } from '../common/auth/authenticator';
import { DomainError } from '../common/errors/domain-error';
import { findPrototypeKey } from '../common/validation/validate-dto';
import {
  actorFrom,
  AuthenticatedRequest,
  bearerFrom,
  hasTokenInQuery,
} from '../common/http/request-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { mcpHostAndOriginGuards } from './mcp-http-guards';
import { McpCallContext, McpServerFactory } from './mcp-server-factory';
import { McpToolRegistry } from './mcp-tool-registry';

/** JSON-RPC methods an anonymous caller may send (public tools are checked separately). */
const ANONYMOUS_METHODS = new Set(['initialize', 'ping', 'tools/list', 'server/discover']);

interface JsonRpcLike {
  id?: unknown;
  method?: unknown;
  params?: { name?: unknown; arguments?: unknown };
}

/**
 * `POST /mcp`: stateless Streamable HTTP for 2026-07-28 and 2025-era clients, after Host/Origin
 * validation and bearer authentication. The REST guard steps aside (@AuthenticatesItself): MCP
 * answers authentication failures its own way (401 + WWW-Authenticate) and checks each tool.
 */
@ApiExcludeController()
@Controller()
@AuthenticatesItself()
export class McpController implements OnModuleDestroy {
  private readonly guards;
  private readonly handler: McpHttpHandler;
  private readonly serve;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly registry: McpToolRegistry,
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.guards = mcpHostAndOriginGuards(config);
    this.handler = createMcpHandler(
      (ctx) => this.factory.create(ctx.authInfo?.extra?.context as McpCallContext),
      { legacy: 'stateless', maxRequestBodySize: config.bodyLimitBytes },
    );
    this.serve = toNodeHandler(this.handler, { maxRequestBodySize: config.bodyLimitBytes });
  }

  async onModuleDestroy(): Promise<void> {
    await this.handler.close();
  }

  @All('mcp')
  async handle(@Req() request: AuthenticatedRequest, @Res() response: Response): Promise<void> {
    for (const guard of this.guards) if (!guard(request, response)) return;
    if (hasTokenInQuery(request))
      return this.unauthorized(
        response,
        'Tokens are not accepted in the URL; use the Authorization header.',
      );

    const bearer = bearerFrom(request);
    if (bearer !== null) {
      try {
        request.principal = await this.authenticator.authenticate(bearer);
      } catch (error) {
        return this.unauthorized(
          response,
          error instanceof DomainError ? error.message : 'Invalid credentials.',
        );
      }
    } else if (this.needsCredentials(request.body)) {
      return this.unauthorized(
        response,
        'Authentication required: send Authorization: Bearer <token>.',
      );
    }

    const toolsetsHeader = request.headers['x-mcp-toolsets'];
    const toolsets =
      typeof toolsetsHeader === 'string'
        ? toolsetsHeader
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : this.config.mcpToolsets;
    const context: McpCallContext = {
      hostileArguments: this.hostileArguments(request.body),
      actor: actorFrom(request, 'mcp'),
      filter: {
        toolsets,
        readOnlyOnly: String(request.headers['x-mcp-readonly']).toLowerCase() === 'true',
      },
    };
    const auth = {
      token: bearer ?? '',
      clientId: context.actor.principal?.userId ?? 'anonymous',
      scopes: [],
      extra: { context },
    };
    await this.serve(Object.assign(request, { auth }), response, request.body);
  }

  /** tools/call messages whose raw arguments carry `__proto__`-like keys, by JSON-RPC id. */
  private hostileArguments(body: unknown): Map<string | number, string> {
    const found = new Map<string | number, string>();
    for (const message of (Array.isArray(body) ? body : [body]) as JsonRpcLike[]) {
      if (
        message?.method !== 'tools/call' ||
        (typeof message.id !== 'string' && typeof message.id !== 'number')
      )
        continue;
      const key = findPrototypeKey(message.params?.arguments);
      if (key) found.set(message.id, key);
    }
    return found;
  }

  /** Anonymous callers reach the handshake, tools/list (public tools only) and public tools. */
  private needsCredentials(body: unknown): boolean {
    const messages = (Array.isArray(body) ? body : [body]) as JsonRpcLike[];
    return messages.some((message) => {
      if (!message || typeof message !== 'object' || typeof message.method !== 'string')
        return false;
      if (message.method.startsWith('notifications/') || ANONYMOUS_METHODS.has(message.method))
        return false;
      if (message.method === 'tools/call') {
        const name = message.params?.name;
        return typeof name !== 'string' || this.registry.get(name)?.options.access !== 'public';
      }
      return true;
    });
  }

  private unauthorized(response: Response, message: string): void {
    response
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="tomo", error="invalid_token"')
      .json({ jsonrpc: '2.0', id: null, error: { code: -32001, message } });
  }
}
