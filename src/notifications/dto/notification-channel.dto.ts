import { OmitType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Describe } from '../../common/validation/describe.decorator';
import { CHANNEL_KINDS, ChannelKind } from '../entities/notification-channel.entity';
import { SEVERITIES, Severity } from '../entities/notification.entity';
import { NOTIFICATION_TYPES, NotificationType } from '../notification-types';

const NO_CONTROL = /^[^\p{Cc}]+$/u;
/** ntfy's own topic grammar. */
const TOPIC = /^[A-Za-z0-9_-]{1,64}$/;
const present = (_object: object, value: unknown) => value !== undefined;

export class ChannelIdDto {
  @Describe('Id of the notification channel (from list_notification_channels).')
  @IsUUID('all', { message: 'channel_id must be a UUID' })
  channel_id!: string;
}

export class CreateChannelDto {
  @Describe('Display name, 1–128 characters.')
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name!: string;

  @Describe(
    'webhook: a JSON POST signed with HMAC-SHA256 (X-Tomo-Signature); ntfy: a message to <url>/<topic> of an ntfy server.',
  )
  @IsIn(CHANNEL_KINDS, { message: `kind must be one of: ${CHANNEL_KINDS.join(', ')}` })
  kind!: ChannelKind;

  @Describe(
    'http:// or https:// URL (for ntfy the server, e.g. https://ntfy.sh). Private and loopback addresses are refused unless notifications.allow_private_targets is on.',
  )
  @IsString()
  @Length(1, 2048)
  url!: string;

  @Describe(
    'Webhook: the HMAC key (required, 16–512 characters). ntfy: an access token sent as Bearer (optional). Never shown again.',
  )
  @ValidateIf(present)
  @IsString()
  @Length(1, 512)
  @Matches(NO_CONTROL, { message: 'secret must not contain control characters' })
  secret?: string;

  @Describe('ntfy topic (required for ntfy): letters, digits, "_" and "-", up to 64.')
  @ValidateIf(present)
  @IsString()
  @Matches(TOPIC, { message: 'topic must be 1–64 letters, digits, "_" or "-"' })
  topic?: string;

  @Describe(`Lowest severity sent (${SEVERITIES.join(', ')}; default info).`)
  @ValidateIf(present)
  @IsIn(SEVERITIES, { message: `min_severity must be one of: ${SEVERITIES.join(', ')}` })
  min_severity?: Severity;

  @JSONSchema({
    type: ['array', 'null'],
    description: `Only these notification types (${NOTIFICATION_TYPES.join(', ')}); null or absent: every type.`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @IsIn(NOTIFICATION_TYPES, {
    each: true,
    message: `event_types entries must be among: ${NOTIFICATION_TYPES.join(', ')}`,
  })
  event_types?: NotificationType[] | null;

  @Describe('Disabled channels receive nothing (default true).')
  @ValidateIf(present)
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateChannelDto extends ChannelIdDto {
  @Describe('New display name.')
  @ValidateIf(present)
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name?: string;

  @Describe('New URL (same rules as create).')
  @ValidateIf(present)
  @IsString()
  @Length(1, 2048)
  url?: string;

  @Describe('New secret; an empty string removes it (not allowed for webhooks).')
  @ValidateIf(present)
  @IsString()
  @Length(0, 512)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'secret must not contain control characters' })
  secret?: string;

  @Describe('New ntfy topic.')
  @ValidateIf(present)
  @IsString()
  @Matches(TOPIC, { message: 'topic must be 1–64 letters, digits, "_" or "-"' })
  topic?: string;

  @Describe('New lowest severity sent.')
  @ValidateIf(present)
  @IsIn(SEVERITIES, { message: `min_severity must be one of: ${SEVERITIES.join(', ')}` })
  min_severity?: Severity;

  @JSONSchema({ type: ['array', 'null'], description: 'New type filter; null: every type.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @IsIn(NOTIFICATION_TYPES, {
    each: true,
    message: `event_types entries must be among: ${NOTIFICATION_TYPES.join(', ')}`,
  })
  event_types?: NotificationType[] | null;

  @Describe('Turn the channel on or off.')
  @ValidateIf(present)
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateChannelBodyDto extends OmitType(UpdateChannelDto, ['channel_id'] as const) {}
