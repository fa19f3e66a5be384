import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { GetNotificationsDto, NotificationIdDto } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';
import {
  MARKED_READ_SCHEMA,
  NOTIFICATION_LIST_SCHEMA,
  NOTIFICATION_SCHEMA,
  UNREAD_COUNT_SCHEMA,
} from './notifications.views';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/v1/notifications')
@RequireRole('readonly')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiResult(NOTIFICATION_LIST_SCHEMA)
  list(@CurrentActor() actor: Actor, @Query() query: GetNotificationsDto) {
    return this.notifications.list(actor, query);
  }

  @Get('unread-count')
  @ApiResult(UNREAD_COUNT_SCHEMA)
  unreadCount(@CurrentActor() actor: Actor) {
    return this.notifications.unreadCount(actor);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiResult(MARKED_READ_SCHEMA)
  @NoBodyDoc()
  markAllRead(@CurrentActor() actor: Actor, @NoBody() _body: EmptyDto) {
    return this.notifications.markAllRead(actor);
  }

  @Post(':notification_id/read')
  @HttpCode(200)
  @ApiResult(NOTIFICATION_SCHEMA)
  @NoBodyDoc()
  markRead(
    @CurrentActor() actor: Actor,
    @Param() params: NotificationIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.notifications.markRead(actor, params);
  }

  @Delete(':notification_id')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  dismiss(
    @CurrentActor() actor: Actor,
    @Param() params: NotificationIdDto,
    @NoBody() _body: EmptyDto,
  ) {
    return this.notifications.dismiss(actor, params);
  }
}
