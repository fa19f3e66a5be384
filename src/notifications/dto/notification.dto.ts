import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { PaginationDto } from '../../common/dto/pagination.dto';
import { Describe } from '../../common/validation/describe.decorator';

export class GetNotificationsDto extends PaginationDto {
  @Describe('Only unread notifications (default false).')
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'unread_only must be true or false' })
  unread_only?: boolean;
}

export class NotificationIdDto {
  @Describe('Id of one of your notifications (from get_notifications).')
  @IsUUID('all', { message: 'notification_id must be a UUID' })
  notification_id!: string;
}
