import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import { ApiResult } from '../common/http/api-result.decorator';
import { ServerIdDto } from '../servers/dto/server.dto';
import { GetMetricsQueryDto } from './dto/get-metrics.dto';
import { MonitoringService } from './monitoring.service';
import {
  DASHBOARD_SCHEMA,
  METRICS_SCHEMA,
  RESOURCE_USAGE_SCHEMA,
  STATUS_SCHEMA,
} from './monitoring.views';

@ApiTags('monitoring')
@ApiBearerAuth()
@Controller('api/v1')
export class MonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  @Get('status')
  @RequireRole('readonly')
  @ApiResult(STATUS_SCHEMA)
  status() {
    return this.monitoring.status();
  }

  @Get('dashboard')
  @RequireRole('readonly')
  @ApiResult(DASHBOARD_SCHEMA)
  dashboard() {
    return this.monitoring.dashboard();
  }

  @Get('servers/:server_id/metrics')
  @RequireRole('readonly')
  @ApiResult(METRICS_SCHEMA)
  metrics(@Param() params: ServerIdDto, @Query() query: GetMetricsQueryDto) {
    return this.monitoring.getMetrics({ ...query, ...params });
  }

  @Get('servers/:server_id/resources')
  @RequireRole('readonly')
  @ApiResult(RESOURCE_USAGE_SCHEMA)
  resources(@Param() params: ServerIdDto) {
    return this.monitoring.resourceUsage(params);
  }
}
