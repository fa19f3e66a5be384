import { IsString, Length } from 'class-validator';
import { IsNewPassword } from './user-fields';

export class ChangePasswordDto {
  @IsString()
  @Length(1, 1024)
  current_password!: string;

  @IsNewPassword()
  new_password!: string;
}

export class UnlockAccountDto {
  @IsString()
  @Length(1, 64)
  username!: string;
}
