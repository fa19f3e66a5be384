import { IsOptional } from 'class-validator';
import type { Role } from '../../common/auth/roles';
import { IsNewPassword, IsRole, IsUserEmail, IsUsername } from './user-fields';

export class CreateUserDto {
  @IsUsername()
  username!: string;

  @IsNewPassword()
  password!: string;

  @IsRole()
  role!: Role;

  @IsOptional()
  @IsUserEmail()
  email?: string;
}

export class CreateInitialAdminDto {
  @IsUsername()
  username!: string;

  @IsNewPassword()
  password!: string;

  @IsOptional()
  @IsUserEmail()
  email?: string;
}
