import { Describe } from '../../common/validation/describe.decorator';
import { OmitType } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import type { Role } from '../../common/auth/roles';
import { IsNewPassword, IsRole, IsUserEmail } from './user-fields';

export class UserIdDto {
  @Describe('Id of the user (from list_users).')
  @IsUUID('all', { message: 'user_id must be a UUID' })
  user_id!: string;
}

export class UpdateUserDto extends UserIdDto {
  @IsOptional()
  @IsRole()
  role?: Role;

  @IsOptional()
  @IsUserEmail()
  email?: string;

  @Describe('false disables the account and ends its sessions; true enables it again.')
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;
}

/** PATCH /users/{user_id}: the same fields, the id from the path. */
export class UpdateUserBodyDto extends OmitType(UpdateUserDto, ['user_id'] as const) {}

export class ResetUserPasswordDto extends UserIdDto {
  @IsNewPassword()
  new_password!: string;
}

export class ResetUserPasswordBodyDto extends OmitType(ResetUserPasswordDto, [
  'user_id',
] as const) {}
