import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { AgentStatusSource } from '../servers/agent-status-source';
import { AgentEntity } from './entities/agent.entity';

/** Agent status per server for the server view (one query per list). */
@Injectable()
export class AgentStatusLookup implements AgentStatusSource {
  constructor(@InjectRepository(AgentEntity) private readonly agents: Repository<AgentEntity>) {}

  async statuses(serverIds: string[]): Promise<Map<string, string>> {
    if (serverIds.length === 0) return new Map();
    const rows = await this.agents.find({
      where: { serverId: In(serverIds) },
      select: { serverId: true, status: true },
    });
    return new Map(rows.map((row) => [row.serverId, row.status]));
  }
}
