import { Module } from '@nestjs/common';
import { DomainToLiveListener } from './live/domain-to-live.listener';
import { LiveEventsGateway } from './live/live-events.gateway';

/** Live push on `/ws/events` (notifications proper follow in this module). */
@Module({
  providers: [LiveEventsGateway, DomainToLiveListener],
  exports: [LiveEventsGateway],
})
export class NotificationsModule {}
