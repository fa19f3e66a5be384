import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { RetentionTarget, RetentionTargets } from '../retention/retention-target';
import { NotificationEntity } from './entities/notification.entity';

/** The `notifications` retention data type: notifications created before the cutoff. */
@Injectable()
export class NotificationsRetention implements RetentionTarget, OnModuleInit {
  readonly dataType = 'notifications' as const;

  constructor(
    @InjectRepository(NotificationEntity)
    private readonly notifications: Repository<NotificationEntity>,
    private readonly transactions: TransactionRunner,
    private readonly targets: RetentionTargets,
  ) {}

  onModuleInit(): void {
    this.targets.register(this);
  }

  count(cutoff: string): Promise<number> {
    return this.notifications.countBy({ createdAt: LessThan(cutoff) });
  }

  deleteBatch(cutoff: string, limit: number): Promise<number> {
    return this.transactions.run(async (manager) => {
      const repository = manager.getRepository(NotificationEntity);
      const batch = await repository.find({
        select: { id: true },
        where: { createdAt: LessThan(cutoff) },
        order: { createdAt: 'ASC', id: 'ASC' },
        take: limit,
      });
      if (batch.length === 0) return 0;
      await repository.delete({ id: In(batch.map((row) => row.id)) });
      return batch.length;
    });
  }
}
