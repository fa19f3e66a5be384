import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, RequireRole } from '../common/auth/access.decorator';
import { ApiResult } from '../common/http/api-result.decorator';
import { HEALTH_SCHEMA, SYSTEM_INFO_SCHEMA, VERSION_SCHEMA } from './system.schemas';
import { HealthReport, SystemService } from './system.service';

@ApiTags('system')
@Controller()
export class HealthController {
  constructor(private readonly system: SystemService) {}

  /** Liveness: the process answers. */
  @Get('health')
  @Public()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 200 when the database answers and the data directory has room, else 503. */
  @Get('health/ready')
  @Public()
  @ApiResult(HEALTH_SCHEMA)
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const report = await this.system.readiness();
    if (report.status !== 'ok') response.status(503);
    return report;
  }

  @Get('api/v1/system/version')
  @Public()
  @ApiResult(VERSION_SCHEMA)
  version() {
    return this.system.version();
  }

  @Get('api/v1/system/info')
  @RequireRole('readonly')
  @ApiBearerAuth()
  @ApiResult(SYSTEM_INFO_SCHEMA)
  info() {
    return this.system.info();
  }
}
