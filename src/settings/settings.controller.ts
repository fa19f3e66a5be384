import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import {
  ListSettingsQueryDto,
  SettingPathDto,
  SettingsAuditQueryDto,
  SettingScopeDto,
  UpdateSettingBodyDto,
} from './dto/setting.dto';
import { SettingsService } from './settings.service';
import { SETTING_LIST_SCHEMA, SETTING_SCHEMA, SETTINGS_AUDIT_SCHEMA } from './settings.views';

@ApiTags('settings')
@ApiBearerAuth()
@Controller('api/v1/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  // Declared before the {scope} routes so that "audit" is not taken for a scope.
  @Get('audit')
  @RequireRole('admin')
  @ApiResult(SETTINGS_AUDIT_SCHEMA)
  audit(@Query() query: SettingsAuditQueryDto) {
    return this.settings.auditTrail(query);
  }

  @Get(':scope')
  @RequireRole('readonly')
  @ApiResult(SETTING_LIST_SCHEMA)
  list(
    @CurrentActor() actor: Actor,
    @Param() params: SettingScopeDto,
    @Query() query: ListSettingsQueryDto,
  ) {
    return this.settings.listSettings(actor, { ...query, ...params });
  }

  @Get(':scope/:key')
  @RequireRole('readonly')
  @ApiResult(SETTING_SCHEMA)
  get(@CurrentActor() actor: Actor, @Param() params: SettingPathDto) {
    return this.settings.getSetting(actor, params);
  }

  @Put(':scope/:key')
  @RequireRole('readonly')
  @ApiResult(SETTING_SCHEMA)
  update(
    @CurrentActor() actor: Actor,
    @Param() params: SettingPathDto,
    @Body() body: UpdateSettingBodyDto,
  ) {
    return this.settings.updateSetting(actor, { ...body, ...params });
  }

  @Delete(':scope/:key')
  @RequireRole('readonly')
  @ApiResult(SETTING_SCHEMA)
  @NoBodyDoc()
  reset(@CurrentActor() actor: Actor, @Param() params: SettingPathDto, @NoBody() _body: EmptyDto) {
    return this.settings.resetSetting(actor, params);
  }
}
