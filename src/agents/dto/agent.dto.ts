import { IsIn, IsOptional } from 'class-validator';
import { PaginationDto } from '../../common/dto/pagination.dto';
import { Describe } from '../../common/validation/describe.decorator';
import { AGENT_STATUSES, AgentStatus } from '../entities/agent.entity';

export class ListAgentsDto extends PaginationDto {
  @Describe('Only agents with this status: pending, connected, disconnected or revoked.')
  @IsOptional()
  @IsIn(AGENT_STATUSES, { message: `status must be one of: ${AGENT_STATUSES.join(', ')}` })
  status?: AgentStatus;
}
