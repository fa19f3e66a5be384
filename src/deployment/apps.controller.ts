import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { OmitType } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { ServerIdDto } from '../servers/dto/server.dto';
import { AppsService } from './apps.service';
import {
  INSTALLATION_LIST_SCHEMA,
  INSTALLATION_SCHEMA,
  LOGS_SCHEMA,
  PREFLIGHT_SCHEMA,
} from './apps.views';
import {
  AppLogsDto,
  DeployAppDto,
  InstallAppDto,
  InstallationIdDto,
  ListAppsDto,
  PreflightDto,
  UninstallAppDto,
  UpdateAppDto,
} from './dto/app.dto';

class InstallAppBodyDto extends OmitType(InstallAppDto, ['server_id'] as const) {}
class DeployAppBodyDto extends OmitType(DeployAppDto, ['server_id'] as const) {}
class UninstallAppQueryDto extends OmitType(UninstallAppDto, ['installation_id'] as const) {}
class AppLogsQueryDto extends OmitType(AppLogsDto, ['installation_id'] as const) {}
class PreflightBodyDto extends OmitType(PreflightDto, ['server_id'] as const) {}
class UpdateAppBodyDto extends OmitType(UpdateAppDto, ['installation_id'] as const) {}

@ApiTags('apps')
@ApiBearerAuth()
@Controller('api/v1')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Post('servers/:server_id/apps')
  @RequireRole('user')
  @ApiResult(INSTALLATION_SCHEMA, 201)
  install(
    @CurrentActor() actor: Actor,
    @Param() params: ServerIdDto,
    @Body() body: InstallAppBodyDto,
  ) {
    return this.apps.install(actor, { ...body, ...params });
  }

  @Post('servers/:server_id/apps/custom')
  @RequireRole('user')
  @ApiResult(INSTALLATION_SCHEMA, 201)
  deploy(
    @CurrentActor() actor: Actor,
    @Param() params: ServerIdDto,
    @Body() body: DeployAppBodyDto,
  ) {
    return this.apps.deploy(actor, { ...body, ...params });
  }

  @Post('servers/:server_id/apps/preflight')
  @RequireRole('user')
  @HttpCode(200)
  @ApiResult(PREFLIGHT_SCHEMA)
  preflight(
    @CurrentActor() actor: Actor,
    @Param() params: ServerIdDto,
    @Body() body: PreflightBodyDto,
  ) {
    return this.apps.preflight(actor, { ...body, ...params });
  }

  @Get('apps')
  @RequireRole('readonly')
  @ApiResult(INSTALLATION_LIST_SCHEMA)
  list(@Query() query: ListAppsDto) {
    return this.apps.list(query);
  }

  @Get('apps/:installation_id')
  @RequireRole('readonly')
  @ApiResult(INSTALLATION_SCHEMA)
  status(@Param() params: InstallationIdDto) {
    return this.apps.status(params);
  }

  @Post('apps/:installation_id/start')
  @RequireRole('user')
  @HttpCode(200)
  @ApiResult(INSTALLATION_SCHEMA)
  @NoBodyDoc()
  start(
    @CurrentActor() actor: Actor,
    @Param() params: InstallationIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.apps.start(actor, params);
  }

  @Post('apps/:installation_id/stop')
  @RequireRole('user')
  @HttpCode(200)
  @ApiResult(INSTALLATION_SCHEMA)
  @NoBodyDoc()
  stop(
    @CurrentActor() actor: Actor,
    @Param() params: InstallationIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.apps.stop(actor, params);
  }

  @Post('apps/:installation_id/restart')
  @RequireRole('user')
  @HttpCode(200)
  @ApiResult(INSTALLATION_SCHEMA)
  @NoBodyDoc()
  restart(
    @CurrentActor() actor: Actor,
    @Param() params: InstallationIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.apps.restart(actor, params);
  }

  @Patch('apps/:installation_id')
  @RequireRole('user')
  @ApiResult(INSTALLATION_SCHEMA)
  update(
    @CurrentActor() actor: Actor,
    @Param() params: InstallationIdDto,
    @Body() body: UpdateAppBodyDto,
  ) {
    return this.apps.update(actor, { ...body, ...params });
  }

  @Delete('apps/:installation_id')
  @RequireRole('user')
  @ApiResult(INSTALLATION_SCHEMA)
  @NoBodyDoc()
  uninstall(
    @CurrentActor() actor: Actor,
    @Param() params: InstallationIdDto,
    @Query() query: UninstallAppQueryDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.apps.uninstall(actor, { ...query, ...params });
  }

  @Get('apps/:installation_id/logs')
  @RequireRole('readonly')
  @ApiResult(LOGS_SCHEMA)
  logs(@Param() params: InstallationIdDto, @Query() query: AppLogsQueryDto) {
    return this.apps.logs({ ...query, ...params });
  }
}
