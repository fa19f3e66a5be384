import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { EmptyDto } from '../common/dto/empty.dto';
import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import { ApiResult } from '../common/http/api-result.decorator';
import { AUDIT_LIST_SCHEMA, AUDIT_VERIFICATION_SCHEMA } from './audit.schemas';
import { AuditService } from './audit.service';
import { QueryAuditLogDto } from './dto/query-audit-log.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequireRole('admin')
  @ApiResult(AUDIT_LIST_SCHEMA)
  query(@Query() query: QueryAuditLogDto) {
    return this.audit.query(query);
  }

  @Post('verify')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiResult(AUDIT_VERIFICATION_SCHEMA)
  @NoBodyDoc()
  verify(@NoBody() _body: EmptyDto) {
    return this.audit.verify();
  }
}
