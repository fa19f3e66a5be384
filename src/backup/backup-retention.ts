import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Not, Repository } from 'typeorm';
import { RetentionTarget, RetentionTargets } from '../retention/retention-target';
import { BackupEntity } from './backup.entity';
import { BackupService } from './backup.service';

/**
 * Retention of `backups`: files and rows older than the cutoff, of every trigger, except the
 * newest pre-restore copy (the way back from the last restore is never purged by age).
 */
@Injectable()
export class BackupRetention implements RetentionTarget, OnModuleInit {
  readonly dataType = 'backups' as const;

  constructor(
    @InjectRepository(BackupEntity) private readonly rows: Repository<BackupEntity>,
    private readonly backups: BackupService,
    private readonly targets: RetentionTargets,
  ) {}

  onModuleInit(): void {
    this.targets.register(this);
  }

  async count(cutoff: string): Promise<number> {
    return this.rows.count({ where: await this.olderThan(cutoff) });
  }

  async deleteBatch(cutoff: string, limit: number): Promise<number> {
    const rows = await this.rows.find({
      select: { id: true },
      where: await this.olderThan(cutoff),
      order: { createdAt: 'ASC' },
      take: limit,
    });
    return this.backups.deleteMany(
      rows.map((row) => row.id),
      'retention',
    );
  }

  private async olderThan(cutoff: string) {
    const [newestPreRestore] = await this.rows.find({
      select: { id: true },
      where: { trigger: 'pre-restore' },
      order: { createdAt: 'DESC' },
      take: 1,
    });
    return {
      createdAt: LessThan(cutoff),
      ...(newestPreRestore ? { id: Not(newestPreRestore.id) } : {}),
    };
  }
}
