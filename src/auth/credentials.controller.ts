import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { EmptyDto } from '../common/dto/empty.dto';
import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { ApiTokensService } from './api-tokens.service';
import { CreateApiTokenDto, TokenIdDto } from './dto/api-token.dto';
import { ListSessionsDto, SessionIdDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';
import { API_TOKEN_LIST_SCHEMA, CREATED_API_TOKEN_SCHEMA, SESSION_LIST_SCHEMA } from './views';

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('api/v1')
@RequireRole('readonly')
export class CredentialsController {
  constructor(
    private readonly apiTokens: ApiTokensService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('api-tokens')
  @ApiResult(CREATED_API_TOKEN_SCHEMA, 201)
  createApiToken(@CurrentActor() actor: Actor, @Body() body: CreateApiTokenDto) {
    return this.apiTokens.create(actor, body);
  }

  @Get('api-tokens')
  @ApiResult(API_TOKEN_LIST_SCHEMA)
  listApiTokens(@CurrentActor() actor: Actor) {
    return this.apiTokens.list(actor);
  }

  @Delete('api-tokens/:token_id')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  revokeApiToken(
    @CurrentActor() actor: Actor,
    @Param() params: TokenIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.apiTokens.revoke(actor, params);
  }

  @Get('sessions')
  @ApiResult(SESSION_LIST_SCHEMA)
  listSessions(@CurrentActor() actor: Actor, @Query() query: ListSessionsDto) {
    return this.sessions.list(actor, query);
  }

  @Delete('sessions/:session_id')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  terminateSession(
    @CurrentActor() actor: Actor,
    @Param() params: SessionIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.sessions.terminate(actor, params);
  }
}
