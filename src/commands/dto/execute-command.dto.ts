import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { OmitType } from '@nestjs/swagger';
import { Describe } from '../../common/validation/describe.decorator';
import { ServerIdDto } from '../../servers/dto/server.dto';

export const METHOD_CHOICES = ['auto', 'agent', 'ssh'] as const;
export type MethodChoice = (typeof METHOD_CHOICES)[number];

export class ExecuteCommandDto extends ServerIdDto {
  @Describe(
    'Shell command line, run by the login shell of the server user (up to 64 KiB). Output is capped; see truncated.',
  )
  @IsString()
  @Length(1, 65536, { message: 'command must be 1 to 65536 characters' })
  @Matches(/^[^\0]*$/, { message: 'command must not contain NUL characters' })
  command!: string;

  @Describe('Seconds before the remote process group is killed (1–3600, default 120).')
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'timeout_seconds must be a whole number' })
  @Min(1, { message: 'timeout_seconds must be from 1 to 3600' })
  @Max(3600, { message: 'timeout_seconds must be from 1 to 3600' })
  timeout_seconds?: number;

  @Describe('"auto" (default: the agent when connected, else SSH), "agent" or "ssh".')
  @IsOptional()
  @IsIn(METHOD_CHOICES, { message: 'method must be "auto", "agent" or "ssh"' })
  method?: MethodChoice;
}

/** POST /servers/{server_id}/commands: the same fields, the id from the path. */
export class ExecuteCommandBodyDto extends OmitType(ExecuteCommandDto, ['server_id'] as const) {}
