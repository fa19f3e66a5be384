import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { DockerService } from './docker/docker.service';
import { DOCKER_INSTALL_SCHEMA, DOCKER_STATUS_SCHEMA } from './docker/docker.views';
import { AddServerDto, ListServersDto, ServerIdDto, UpdateServerBodyDto } from './dto/server.dto';
import { ServersService } from './servers.service';
import { CONNECTION_TEST_SCHEMA, SERVER_LIST_SCHEMA, SERVER_SCHEMA } from './servers.views';

@ApiTags('servers')
@ApiBearerAuth()
@Controller('api/v1/servers')
export class ServersController {
  constructor(
    private readonly servers: ServersService,
    private readonly docker: DockerService,
  ) {}

  @Post()
  @RequireRole('admin')
  @ApiResult(SERVER_SCHEMA, 201)
  add(@CurrentActor() actor: Actor, @Body() body: AddServerDto) {
    return this.servers.add(actor, body);
  }

  @Get()
  @RequireRole('readonly')
  @ApiResult(SERVER_LIST_SCHEMA)
  list(@Query() query: ListServersDto) {
    return this.servers.list(query);
  }

  @Get(':server_id')
  @RequireRole('readonly')
  @ApiResult(SERVER_SCHEMA)
  get(@Param() params: ServerIdDto) {
    return this.servers.get(params);
  }

  @Patch(':server_id')
  @RequireRole('admin')
  @ApiResult(SERVER_SCHEMA)
  update(
    @CurrentActor() actor: Actor,
    @Param() params: ServerIdDto,
    @Body() body: UpdateServerBodyDto,
  ) {
    return this.servers.update(actor, { ...body, ...params });
  }

  @Delete(':server_id')
  @RequireRole('admin')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  remove(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.servers.remove(actor, params);
  }

  @Post(':server_id/test')
  @RequireRole('user')
  @HttpCode(200)
  @ApiResult(CONNECTION_TEST_SCHEMA)
  @NoBodyDoc()
  test(@CurrentActor() actor: Actor, @Param() params: ServerIdDto, @NoBody() _body: EmptyDto) {
    return this.servers.testConnection(actor, params);
  }

  @Post(':server_id/host-key')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(SERVER_SCHEMA)
  @NoBodyDoc()
  acceptHostKey(
    @CurrentActor() actor: Actor,
    @Param() params: ServerIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.servers.acceptHostKey(actor, params);
  }

  @Get(':server_id/docker')
  @RequireRole('user')
  @ApiResult(DOCKER_STATUS_SCHEMA)
  verifyDocker(@CurrentActor() actor: Actor, @Param() params: ServerIdDto) {
    return this.docker.verify(actor, params);
  }

  @Post(':server_id/docker')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(DOCKER_INSTALL_SCHEMA)
  @NoBodyDoc()
  installDocker(
    @CurrentActor() actor: Actor,
    @Param() params: ServerIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.docker.install(actor, params);
  }
}
