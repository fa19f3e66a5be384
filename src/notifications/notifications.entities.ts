import { NotificationChannelEntity } from './entities/notification-channel.entity';
import { NotificationEntity } from './entities/notification.entity';

/** The entities of the notifications module (registered in src/database/entities.ts). */
export const NOTIFICATIONS_ENTITIES: (new () => object)[] = [
  NotificationEntity,
  NotificationChannelEntity,
];
