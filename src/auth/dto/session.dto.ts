import { IsOptional, IsUUID } from 'class-validator';

export class ListSessionsDto {
  @IsOptional()
  @IsUUID('all', { message: 'user_id must be a UUID' })
  user_id?: string;
}

export class SessionIdDto {
  @IsUUID('all', { message: 'session_id must be a UUID' })
  session_id!: string;
}
