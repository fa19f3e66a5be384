import { OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PaginationDto } from '../../common/dto/pagination.dto';
import { Describe } from '../../common/validation/describe.decorator';
import { AuthType, SERVER_STATUSES, ServerStatus } from '../server.entity';
import {
  IsAuthType,
  IsCredential,
  IsPassphrase,
  IsServerHostname,
  IsServerName,
  IsSshPort,
  IsSshUsername,
} from './server-fields';

export class AddServerDto {
  @IsServerHostname()
  hostname!: string;

  @IsOptional()
  @IsServerName()
  name?: string;

  @IsOptional()
  @IsSshPort()
  port?: number;

  @IsOptional()
  @IsSshUsername()
  username?: string;

  @IsOptional()
  @IsAuthType()
  auth_type?: AuthType;

  @IsCredential()
  credential!: string;

  @IsOptional()
  @IsPassphrase()
  passphrase?: string;
}

export class ServerIdDto {
  @Describe('Id of the server (from list_servers).')
  @IsUUID('all', { message: 'server_id must be a UUID' })
  server_id!: string;
}

export class UpdateServerDto extends ServerIdDto {
  @IsOptional()
  @IsServerName()
  name?: string;

  @IsOptional()
  @IsServerHostname()
  hostname?: string;

  @IsOptional()
  @IsSshPort()
  port?: number;

  @IsOptional()
  @IsSshUsername()
  username?: string;

  @IsOptional()
  @IsAuthType()
  auth_type?: AuthType;

  @IsOptional()
  @IsCredential()
  credential?: string;

  @IsOptional()
  @IsPassphrase()
  passphrase?: string;
}

/** PATCH /servers/{server_id}: the same fields, the id from the path. */
export class UpdateServerBodyDto extends OmitType(UpdateServerDto, ['server_id'] as const) {}

export class ListServersDto extends PaginationDto {
  @Describe('Only servers with this status.')
  @IsOptional()
  @IsIn(SERVER_STATUSES, { message: `status must be one of: ${SERVER_STATUSES.join(', ')}` })
  status?: ServerStatus;
}
