import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServersModule } from '../servers/servers.module';
import { NotificationChannelsController } from './channels/notification-channels.controller';
import { NotificationChannelsService } from './channels/notification-channels.service';
import { NotificationChannelsTools } from './channels/notification-channels.tools';
import { NotificationChannelEntity } from './entities/notification-channel.entity';
import { NotificationEntity } from './entities/notification.entity';
import { DomainToLiveListener } from './live/domain-to-live.listener';
import { LiveEventsGateway } from './live/live-events.gateway';
import { NotificationRules } from './notification-rules';
import { NotificationsController } from './notifications.controller';
import { NotificationsRetention } from './notifications-retention';
import { NotificationsService } from './notifications.service';
import { NotificationsTools } from './notifications.tools';

/**
 * Notifications of each user, raised from domain events; outbound channels (webhook, ntfy);
 * live push on `/ws/events`.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([NotificationEntity, NotificationChannelEntity]),
    ServersModule,
  ],
  controllers: [NotificationsController, NotificationChannelsController],
  providers: [
    LiveEventsGateway,
    DomainToLiveListener,
    NotificationsService,
    NotificationsRetention,
    NotificationChannelsService,
    NotificationRules,
    NotificationsTools,
    NotificationChannelsTools,
  ],
  exports: [LiveEventsGateway],
})
export class NotificationsModule {}
