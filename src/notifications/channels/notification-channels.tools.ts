import { Injectable } from '@nestjs/common';
import type { Actor } from '../../common/auth/principal';
import { EmptyDto } from '../../common/dto/empty.dto';
import { SUCCESS_SCHEMA } from '../../common/validation/result-schemas';
import { DESTRUCTIVE, McpTool, READ_ONLY, WRITE } from '../../mcp/mcp-tool.decorator';
import { ChannelIdDto, CreateChannelDto, UpdateChannelDto } from '../dto/notification-channel.dto';
import { CHANNEL_LIST_SCHEMA, CHANNEL_SCHEMA, DELIVERY_SCHEMA } from '../notifications.views';
import { NotificationChannelsService } from './notification-channels.service';

@Injectable()
export class NotificationChannelsTools {
  constructor(private readonly channels: NotificationChannelsService) {}

  @McpTool({
    name: 'list_notification_channels',
    description: 'The outbound notification channels (webhook, ntfy); secrets are never shown.',
    access: 'admin',
    toolset: 'notifications',
    input: EmptyDto,
    output: CHANNEL_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listNotificationChannels() {
    return this.channels.list();
  }

  @McpTool({
    name: 'create_notification_channel',
    description:
      'Add an outbound channel: a webhook (JSON POST signed with HMAC-SHA256) or an ntfy topic; notifications matching its filters are sent to it.',
    access: 'admin',
    toolset: 'notifications',
    input: CreateChannelDto,
    output: CHANNEL_SCHEMA,
    annotations: WRITE,
  })
  createNotificationChannel(actor: Actor, input: CreateChannelDto) {
    return this.channels.create(actor, input);
  }

  @McpTool({
    name: 'update_notification_channel',
    description: 'Change a notification channel: name, URL, secret, topic, filters, enabled.',
    access: 'admin',
    toolset: 'notifications',
    input: UpdateChannelDto,
    output: CHANNEL_SCHEMA,
    annotations: { ...WRITE, idempotentHint: true },
  })
  updateNotificationChannel(actor: Actor, input: UpdateChannelDto) {
    return this.channels.update(actor, input);
  }

  @McpTool({
    name: 'delete_notification_channel',
    description: 'Delete a notification channel.',
    access: 'admin',
    toolset: 'notifications',
    input: ChannelIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  deleteNotificationChannel(actor: Actor, input: ChannelIdDto) {
    return this.channels.remove(actor, input);
  }

  @McpTool({
    name: 'test_notification_channel',
    description:
      'Send a test message to a notification channel now (one attempt) and return the outcome.',
    access: 'admin',
    toolset: 'notifications',
    input: ChannelIdDto,
    output: DELIVERY_SCHEMA,
    annotations: { ...WRITE, openWorldHint: true },
  })
  testNotificationChannel(actor: Actor, input: ChannelIdDto) {
    return this.channels.test(actor, input);
  }
}
