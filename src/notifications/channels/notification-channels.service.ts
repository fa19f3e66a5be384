import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { Actor } from '../../common/auth/principal';
import { SecretBox } from '../../common/crypto/secret-box';
import type { Page } from '../../common/dto/pagination.dto';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { nowIso } from '../../common/time';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { TransactionRunner } from '../../database/transaction-runner';
import {
  CredentialRotation,
  ResealParticipant,
} from '../../servers/credentials/credential-rotation';
import { SettingsService } from '../../settings/settings.service';
import type {
  ChannelIdDto,
  CreateChannelDto,
  UpdateChannelDto,
} from '../dto/notification-channel.dto';
import { NotificationChannelEntity } from '../entities/notification-channel.entity';
import { severityAtLeast } from '../entities/notification.entity';
import type { OutboundNotification } from '../notification-types';
import { toChannelView } from '../notifications.views';
import {
  DEFAULT_DELIVERY,
  deliver,
  DeliveryOptions,
  DeliveryResult,
  publicOnlyLookup,
  SendTarget,
} from './channel-sender';
import { assertPublicTarget, parseTargetUrl } from './channel-target';

/** Retry timing of deliveries; tests inject a short one (no setting: it is not a user's choice). */
export const DELIVERY_OPTIONS = Symbol('DELIVERY_OPTIONS');

/** The system setting that lets channels reach private and loopback addresses. */
const MIN_WEBHOOK_SECRET = 16;

type ChannelView = ReturnType<typeof toChannelView>;

const secretAad = (channelId: string) => `notification_channels:${channelId}:secret`;

/**
 * Outbound notification channels (webhook, ntfy): configured by admins, each notification event
 * sent once to every enabled channel whose filters match, off the path of whatever raised it.
 * Secrets are sealed and never returned; the last delivery's outcome is kept on the channel.
 */
@Injectable()
export class NotificationChannelsService
  implements OnModuleInit, BeforeApplicationShutdown, ResealParticipant
{
  private readonly logger = new Logger('notification-channels');
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly delivery: DeliveryOptions;

  constructor(
    @InjectRepository(NotificationChannelEntity)
    private readonly channels: Repository<NotificationChannelEntity>,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly rotation: CredentialRotation,
    private readonly settings: SettingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(DELIVERY_OPTIONS) delivery?: Partial<DeliveryOptions>,
  ) {
    this.delivery = { ...DEFAULT_DELIVERY, ...delivery };
  }

  onModuleInit(): void {
    this.rotation.register(this);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  async list(): Promise<Page<ChannelView>> {
    const rows = await this.channels.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return { items: rows.map(toChannelView), total: rows.length };
  }

  async create(actor: Actor, dto: CreateChannelDto): Promise<ChannelView> {
    await this.assertTarget(dto.url);
    assertKindFields(dto.kind, dto.secret, dto.topic ?? null);
    const id = randomUUID();
    const now = nowIso();
    const row: NotificationChannelEntity = {
      id,
      name: dto.name,
      kind: dto.kind,
      url: dto.url,
      secret: dto.secret ? this.box.seal(dto.secret, secretAad(id)) : null,
      topic: dto.kind === 'ntfy' ? (dto.topic ?? null) : null,
      minSeverity: dto.min_severity ?? 'info',
      eventTypes: dto.event_types ? JSON.stringify(unique(dto.event_types)) : null,
      enabled: dto.enabled ?? true,
      lastDeliveryAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.transactions.run(async (manager) => {
      await manager.getRepository(NotificationChannelEntity).insert(row);
      await this.audit.record(
        actor,
        {
          action: 'notification_channel.created',
          targetType: 'notification_channel',
          targetId: id,
          details: describe(row),
        },
        manager,
      );
    });
    return toChannelView(row);
  }

  async update(actor: Actor, dto: UpdateChannelDto): Promise<ChannelView> {
    if (dto.url !== undefined) await this.assertTarget(dto.url);
    const row = await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(NotificationChannelEntity);
      const current = await repository.findOneBy({ id: dto.channel_id });
      if (!current) throw notFound('Notification channel', dto.channel_id);
      const next: NotificationChannelEntity = { ...current };
      if (dto.name !== undefined) next.name = dto.name;
      if (dto.url !== undefined) next.url = dto.url;
      if (dto.secret !== undefined) {
        next.secret = dto.secret ? this.box.seal(dto.secret, secretAad(current.id)) : null;
      }
      if (dto.topic !== undefined && current.kind === 'ntfy') next.topic = dto.topic;
      if (dto.min_severity !== undefined) next.minSeverity = dto.min_severity;
      if (dto.event_types !== undefined) {
        next.eventTypes = dto.event_types === null ? null : JSON.stringify(unique(dto.event_types));
      }
      if (dto.enabled !== undefined) next.enabled = dto.enabled;
      if (dto.topic !== undefined && current.kind !== 'ntfy') {
        throw new DomainError('VALIDATION_FAILED', 'topic: only ntfy channels have a topic.');
      }
      assertKindFields(
        next.kind,
        dto.secret ?? (current.secret === null ? undefined : null),
        next.topic,
      );
      next.updatedAt = nowIso();
      await repository.save(next);
      await this.audit.record(
        actor,
        {
          action: 'notification_channel.updated',
          targetType: 'notification_channel',
          targetId: current.id,
          details: { ...describe(next), secret_changed: dto.secret !== undefined },
        },
        manager,
      );
      return next;
    });
    return toChannelView(row);
  }

  async remove(actor: Actor, dto: ChannelIdDto): Promise<{ success: true }> {
    await this.transactions.run(async (manager) => {
      const repository = manager.getRepository(NotificationChannelEntity);
      const current = await repository.findOneBy({ id: dto.channel_id });
      if (!current) throw notFound('Notification channel', dto.channel_id);
      await repository.delete({ id: current.id });
      await this.audit.record(
        actor,
        {
          action: 'notification_channel.deleted',
          targetType: 'notification_channel',
          targetId: current.id,
          details: { name: current.name, kind: current.kind },
        },
        manager,
      );
    });
    return { success: true };
  }

  /** Sends a test message now (one attempt, whatever the filters) and reports the outcome. */
  async test(actor: Actor, dto: ChannelIdDto): Promise<DeliveryResult> {
    const row = await this.channels.findOneBy({ id: dto.channel_id });
    if (!row) throw notFound('Notification channel', dto.channel_id);
    const result = await this.send(
      row,
      {
        id: randomUUID(),
        type: 'test',
        severity: 'info',
        title: 'Tomo test notification',
        message: `A test message for the notification channel "${row.name}".`,
        link: null,
        created_at: nowIso(),
      },
      { maxAttempts: 1 },
    );
    await this.audit.recordOutcome(
      actor,
      'notification_channel.tested',
      { type: 'notification_channel', id: row.id },
      result.success,
      { status_code: result.status_code, error: result.error },
    );
    return result;
  }

  /**
   * Hands one notification event to every enabled channel that wants it; returns at once (the
   * deliveries, with their retries, run in the background).
   */
  dispatch(notification: OutboundNotification): void {
    if (this.shutdown.signal.aborted) return;
    const outbound = { ...notification, link: this.absolute(notification.link) };
    const work = this.channels
      .findBy({ enabled: true })
      .then(async (rows) => {
        const wanted = rows.filter((row) => wants(row, outbound));
        await Promise.all(wanted.map((row) => this.send(row, outbound, {})));
      })
      .catch((error: unknown) =>
        this.logger.warn(`notification ${notification.id} was not dispatched: ${String(error)}`),
      );
    this.track(work);
  }

  async reseal(manager: EntityManager, current: SecretBox, next: SecretBox) {
    const repository = manager.getRepository(NotificationChannelEntity);
    const rows = await repository.find({ select: { id: true, secret: true } });
    const fromKeyIds = new Set<string>();
    let resealed = 0;
    for (const row of rows) {
      if (row.secret === null) continue;
      fromKeyIds.add(row.secret.split(':')[1] ?? '?');
      const secret = next.seal(current.open(row.secret, secretAad(row.id)), secretAad(row.id));
      await repository.update({ id: row.id }, { secret });
      resealed++;
    }
    return { resealed, fromKeyIds: [...fromKeyIds] };
  }

  /** Sends to one channel and records the outcome on it (never the secret, in logs or rows). */
  private async send(
    row: NotificationChannelEntity,
    notification: OutboundNotification,
    overrides: Partial<DeliveryOptions>,
  ): Promise<DeliveryResult> {
    let result: DeliveryResult;
    try {
      const target: SendTarget = {
        kind: row.kind,
        url: row.url,
        topic: row.topic,
        secret: row.secret === null ? null : this.box.open(row.secret, secretAad(row.id)),
      };
      result = await deliver(
        target,
        notification,
        {
          ...this.delivery,
          ...overrides,
          userAgent: `Tomo/${this.config.version}`,
          signal: this.shutdown.signal,
          ...(this.allowPrivateTargets() ? {} : { lookup: publicOnlyLookup() }),
        },
        () => this.assertTarget(row.url),
      );
    } catch (error) {
      result = {
        success: false,
        attempts: 0,
        status_code: null,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    if (!result.success) {
      this.logger.warn(
        `delivery of ${notification.type} to channel ${row.id} (${row.kind}) failed: ${result.error}`,
      );
    }
    await this.transactions
      .run((manager) =>
        manager.getRepository(NotificationChannelEntity).update(
          { id: row.id },
          {
            lastDeliveryAt: nowIso(),
            lastError: result.success ? null : (result.error ?? 'failed').slice(0, 1024),
          },
        ),
      )
      .catch((error: unknown) =>
        this.logger.warn(`could not record the delivery on channel ${row.id}: ${String(error)}`),
      );
    return result;
  }

  private async assertTarget(url: string): Promise<void> {
    await assertPublicTarget(parseTargetUrl(url), this.allowPrivateTargets());
  }

  /** The setting `notifications.allow_private_targets`, read at each use. */
  private allowPrivateTargets(): boolean {
    return this.settings.get('notifications.allow_private_targets');
  }

  /** Links are Tomo paths; outside Tomo they need its public URL in front. */
  private absolute(link: string | null): string | null {
    if (!link || !link.startsWith('/')) return link;
    return `${this.config.serverUrl.replace(/\/+$/, '')}${link}`;
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

function wants(row: NotificationChannelEntity, notification: OutboundNotification): boolean {
  if (!severityAtLeast(notification.severity, row.minSeverity)) return false;
  if (row.eventTypes === null) return true;
  return (JSON.parse(row.eventTypes) as string[]).includes(notification.type);
}

/**
 * A webhook needs a secret, an ntfy channel a topic. `secret`: the new one, or null when the
 * stored one is kept, or undefined when there is none.
 */
function assertKindFields(
  kind: string,
  secret: string | null | undefined,
  topic: string | null,
): void {
  if (kind === 'webhook' && secret !== null && (secret ?? '').length < MIN_WEBHOOK_SECRET) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `secret: a webhook needs a secret of at least ${MIN_WEBHOOK_SECRET} characters; it keys the HMAC signature of every delivery.`,
    );
  }
  if (kind === 'ntfy' && !topic) {
    throw new DomainError('VALIDATION_FAILED', 'topic: an ntfy channel needs a topic.');
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The audit details of a channel: no secret, only whether there is one. */
function describe(row: NotificationChannelEntity): Record<string, unknown> {
  return {
    name: row.name,
    kind: row.kind,
    url: row.url,
    topic: row.topic,
    has_secret: row.secret !== null,
    min_severity: row.minSeverity,
    event_types: row.eventTypes === null ? null : (JSON.parse(row.eventTypes) as string[]),
    enabled: row.enabled,
  };
}
