import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { ServerIdDto } from '../servers/dto/server.dto';
import { CommandsService } from './commands.service';
import { COMMAND_RESULT_SCHEMA, EXECUTION_METHODS_SCHEMA } from './commands.views';
import { ExecuteCommandBodyDto } from './dto/execute-command.dto';

@ApiTags('servers')
@ApiBearerAuth()
@Controller('api/v1/servers/:server_id')
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @Post('commands')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(COMMAND_RESULT_SCHEMA)
  execute(
    @CurrentActor() actor: Actor,
    @Param() params: ServerIdDto,
    @Body() body: ExecuteCommandBodyDto,
  ) {
    return this.commands.execute(actor, { ...body, ...params });
  }

  @Get('execution-methods')
  @RequireRole('readonly')
  @ApiResult(EXECUTION_METHODS_SCHEMA)
  methods(@Param() params: ServerIdDto) {
    return this.commands.methods(params);
  }
}
