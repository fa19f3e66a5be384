import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { ServerIdDto } from '../servers/dto/server.dto';
import { AgentsService } from './agents.service';
import { AgentInstaller } from './install/agent-installer.service';
import {
  AGENT_LIST_SCHEMA,
  AGENT_SCHEMA,
  INSTALL_SCHEMA,
  PING_SCHEMA,
  REGISTRATION_SCHEMA,
  ROTATION_SCHEMA,
  UNINSTALL_SCHEMA,
} from './agents.views';
import { ListAgentsDto } from './dto/agent.dto';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('api/v1')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly installer: AgentInstaller,
  ) {}

  @Get('agents')
  @RequireRole('readonly')
  @ApiResult(AGENT_LIST_SCHEMA)
  list(@Query() query: ListAgentsDto) {
    return this.agents.list(query);
  }

  @Post('servers/:server_id/agent')
  @RequireRole('admin')
  @ApiResult(REGISTRATION_SCHEMA, 201)
  @NoBodyDoc()
  register(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.agents.register(actor, params);
  }

  @Get('servers/:server_id/agent')
  @RequireRole('readonly')
  @ApiResult(AGENT_SCHEMA)
  status(@Param() params: ServerIdDto) {
    return this.agents.status(params);
  }

  @Post('servers/:server_id/agent/ping')
  @RequireRole('user')
  @HttpCode(200)
  @ApiResult(PING_SCHEMA)
  @NoBodyDoc()
  ping(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.agents.ping(actor, params);
  }

  @Post('servers/:server_id/agent/rotate')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(ROTATION_SCHEMA)
  @NoBodyDoc()
  rotate(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.agents.rotate(actor, params);
  }

  @Delete('servers/:server_id/agent')
  @RequireRole('admin')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  revoke(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.agents.revoke(actor, params);
  }

  @Post('servers/:server_id/agent/install')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(INSTALL_SCHEMA)
  @NoBodyDoc()
  install(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.installer.install(actor, params);
  }

  @Post('servers/:server_id/agent/uninstall')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(UNINSTALL_SCHEMA)
  @NoBodyDoc()
  uninstall(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.installer.uninstall(actor, params);
  }
}
