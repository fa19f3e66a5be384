import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import {
  CreatePolicyDto,
  PolicyIdDto,
  RetentionPreviewQueryDto,
  RetentionScopeDto,
  UpdatePolicyBodyDto,
} from './dto/policy.dto';
import { RetentionService } from './retention.service';
import { POLICY_LIST_SCHEMA, POLICY_SCHEMA, RETENTION_REPORT_SCHEMA } from './retention.views';

@ApiTags('retention')
@ApiBearerAuth()
@Controller('api/v1/retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Post('policies')
  @RequireRole('admin')
  @ApiResult(POLICY_SCHEMA, 201)
  create(@CurrentActor() actor: Actor, @Body() body: CreatePolicyDto) {
    return this.retention.create(actor, body);
  }

  @Get('policies')
  @RequireRole('admin')
  @ApiResult(POLICY_LIST_SCHEMA)
  list() {
    return this.retention.list();
  }

  @Patch('policies/:policy_id')
  @RequireRole('admin')
  @ApiResult(POLICY_SCHEMA)
  update(
    @CurrentActor() actor: Actor,
    @Param() params: PolicyIdDto,
    @Body() body: UpdatePolicyBodyDto,
  ) {
    return this.retention.update(actor, { ...body, ...params });
  }

  @Delete('policies/:policy_id')
  @RequireRole('admin')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  remove(@CurrentActor() actor: Actor, @Param() params: PolicyIdDto, @NoBody() _body: EmptyDto) {
    return this.retention.remove(actor, params);
  }

  @Get('preview')
  @RequireRole('admin')
  @ApiResult(RETENTION_REPORT_SCHEMA)
  preview(@Query() query: RetentionPreviewQueryDto) {
    return this.retention.preview(query);
  }

  @Post('run')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(RETENTION_REPORT_SCHEMA)
  run(@CurrentActor() actor: Actor, @Body() body: RetentionScopeDto) {
    return this.retention.run(actor, body);
  }
}
