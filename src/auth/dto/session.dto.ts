import { Describe } from '../../common/validation/describe.decorator';
import { IsOptional, IsUUID } from 'class-validator';

export class ListSessionsDto {
  @Describe("Another user's id (admins only); defaults to the caller.")
  @IsOptional()
  @IsUUID('all', { message: 'user_id must be a UUID' })
  user_id?: string;
}

export class SessionIdDto {
  @Describe('Id of the session (from list_sessions).')
  @IsUUID('all', { message: 'session_id must be a UUID' })
  session_id!: string;
}
