import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../../common/auth/access.decorator';
import type { Actor } from '../../common/auth/principal';
import { EmptyDto } from '../../common/dto/empty.dto';
import { ApiResult } from '../../common/http/api-result.decorator';
import { CurrentActor } from '../../common/http/current-actor.decorator';
import { NoBody, NoBodyDoc } from '../../common/http/no-body.decorator';
import { SUCCESS_SCHEMA } from '../../common/validation/result-schemas';
import {
  ChannelIdDto,
  CreateChannelDto,
  UpdateChannelBodyDto,
} from '../dto/notification-channel.dto';
import { CHANNEL_LIST_SCHEMA, CHANNEL_SCHEMA, DELIVERY_SCHEMA } from '../notifications.views';
import { NotificationChannelsService } from './notification-channels.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/v1/notification-channels')
@RequireRole('admin')
export class NotificationChannelsController {
  constructor(private readonly channels: NotificationChannelsService) {}

  @Get()
  @ApiResult(CHANNEL_LIST_SCHEMA)
  list() {
    return this.channels.list();
  }

  @Post()
  @ApiResult(CHANNEL_SCHEMA, 201)
  create(@CurrentActor() actor: Actor, @Body() body: CreateChannelDto) {
    return this.channels.create(actor, body);
  }

  @Patch(':channel_id')
  @ApiResult(CHANNEL_SCHEMA)
  update(
    @CurrentActor() actor: Actor,
    @Param() params: ChannelIdDto,
    @Body() body: UpdateChannelBodyDto,
  ) {
    return this.channels.update(actor, { ...body, ...params });
  }

  @Delete(':channel_id')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  remove(@CurrentActor() actor: Actor, @Param() params: ChannelIdDto, @NoBody() _body: EmptyDto) {
    return this.channels.remove(actor, params);
  }

  @Post(':channel_id/test')
  @HttpCode(200)
  @ApiResult(DELIVERY_SCHEMA)
  @NoBodyDoc()
  test(@CurrentActor() actor: Actor, @Param() params: ChannelIdDto, @NoBody() _body: EmptyDto) {
    return this.channels.test(actor, params);
  }
}
