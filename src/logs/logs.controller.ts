import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import { ApiResult } from '../common/http/api-result.decorator';
import { LogSourceDto, LogSourceQueryDto, QueryLogsDto } from './dto/query-logs.dto';
import { LOG_LIST_SCHEMA } from './logs.views';
import { LogsService } from './logs.service';

@ApiTags('logs')
@ApiBearerAuth()
@Controller('api/v1/logs')
export class LogsController {
  constructor(private readonly logs: LogsService) {}

  @Get()
  @RequireRole('admin')
  @ApiResult(LOG_LIST_SCHEMA)
  query(@Query() query: QueryLogsDto) {
    return this.logs.query(query);
  }

  @Get('sources/:source')
  @RequireRole('admin')
  @ApiResult(LOG_LIST_SCHEMA)
  bySource(@Param() params: LogSourceDto, @Query() query: LogSourceQueryDto) {
    return this.logs.bySource({ ...query, ...params });
  }
}
