import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { BackupService } from './backup.service';
import { BACKUP_LIST_SCHEMA, BACKUP_SCHEMA, RESTORE_SCHEMA } from './backup.views';
import { BackupIdDto, CreateBackupDto, RestoreBackupBodyDto } from './dto/backup.dto';

@ApiTags('backup')
@ApiBearerAuth()
@Controller('api/v1/backups')
export class BackupController {
  constructor(private readonly backups: BackupService) {}

  @Post()
  @RequireRole('admin')
  @ApiResult(BACKUP_SCHEMA, 201)
  create(@CurrentActor() actor: Actor, @Body() body: CreateBackupDto) {
    return this.backups.create(actor, body);
  }

  @Get()
  @RequireRole('admin')
  @ApiResult(BACKUP_LIST_SCHEMA)
  list() {
    return this.backups.list();
  }

  @Post('upload')
  @RequireRole('admin')
  @ApiConsumes('application/octet-stream')
  @ApiBody({
    description: 'The backup file (as downloaded), as the raw body; at most 8 GiB.',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiResult(BACKUP_SCHEMA, 201)
  upload(@CurrentActor() actor: Actor, @Req() request: Request) {
    const length = request.headers['content-length'];
    return this.backups.upload(
      actor,
      request,
      request.headers['content-type'],
      length && /^\d+$/.test(length) ? Number(length) : null,
    );
  }

  @Get(':backup_id/download')
  @RequireRole('admin')
  @ApiProduces('application/octet-stream')
  @ApiResponse({
    status: 200,
    description: 'The backup file (attachment).',
    schema: { type: 'string', format: 'binary' },
  })
  async download(@Param() params: BackupIdDto) {
    const file = await this.backups.openDownload(params);
    return new StreamableFile(file.stream, {
      type: 'application/octet-stream',
      disposition: `attachment; filename="${file.filename}"`,
      length: file.sizeBytes,
    });
  }

  @Post(':backup_id/restore')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiResult(RESTORE_SCHEMA)
  restore(
    @CurrentActor() actor: Actor,
    @Param() params: BackupIdDto,
    @Body() body: RestoreBackupBodyDto,
  ) {
    return this.backups.restore(actor, { ...body, ...params });
  }

  @Delete(':backup_id')
  @RequireRole('admin')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  remove(@CurrentActor() actor: Actor, @Param() params: BackupIdDto, @NoBody() _body: EmptyDto) {
    return this.backups.delete(actor, params);
  }
}
