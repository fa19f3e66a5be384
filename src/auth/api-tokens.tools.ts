import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { DESTRUCTIVE, McpTool, READ_ONLY, WRITE } from '../mcp/mcp-tool.decorator';
import { ApiTokensService } from './api-tokens.service';
import { CreateApiTokenDto, TokenIdDto } from './dto/api-token.dto';
import { ListSessionsDto, SessionIdDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';
import { API_TOKEN_LIST_SCHEMA, CREATED_API_TOKEN_SCHEMA, SESSION_LIST_SCHEMA } from './views';

/** The caller's own credentials: API tokens and sessions. */
@Injectable()
export class CredentialsTools {
  constructor(
    private readonly apiTokens: ApiTokensService,
    private readonly sessions: SessionsService,
  ) {}

  @McpTool({
    name: 'create_api_token',
    description:
      'Create a personal API token (prefix tomo_). The token is shown once; read_only tokens reach only read-only tools.',
    access: 'readonly',
    toolset: 'auth',
    input: CreateApiTokenDto,
    output: CREATED_API_TOKEN_SCHEMA,
    annotations: WRITE,
  })
  createApiToken(actor: Actor, input: CreateApiTokenDto) {
    return this.apiTokens.create(actor, input);
  }

  @McpTool({
    name: 'list_api_tokens',
    description: "The caller's API tokens (never the secrets).",
    access: 'readonly',
    toolset: 'auth',
    input: EmptyDto,
    output: API_TOKEN_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listApiTokens(actor: Actor) {
    return this.apiTokens.list(actor);
  }

  @McpTool({
    name: 'revoke_api_token',
    description: 'Revoke one of your API tokens; it stops working at once.',
    access: 'readonly',
    toolset: 'auth',
    input: TokenIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  revokeApiToken(actor: Actor, input: TokenIdDto) {
    return this.apiTokens.revoke(actor, input);
  }

  @McpTool({
    name: 'list_sessions',
    description: "Active login sessions of the caller (an admin may pass another user's id).",
    access: 'readonly',
    toolset: 'auth',
    input: ListSessionsDto,
    output: SESSION_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listSessions(actor: Actor, input: ListSessionsDto) {
    return this.sessions.list(actor, input);
  }

  @McpTool({
    name: 'terminate_session',
    description: 'End a session; its token stops working at once.',
    access: 'readonly',
    toolset: 'auth',
    input: SessionIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  terminateSession(actor: Actor, input: SessionIdDto) {
    return this.sessions.terminate(actor, input);
  }
}
