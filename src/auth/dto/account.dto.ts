import { Describe } from '../../common/validation/describe.decorator';
import { IsString, Length } from 'class-validator';
import { IsNewPassword } from './user-fields';

export class ChangePasswordDto {
  @Describe('The password in use now.')
  @IsString()
  @Length(1, 1024)
  current_password!: string;

  @IsNewPassword()
  new_password!: string;
}

export class UnlockAccountDto {
  @Describe('The locked username (from list_locked_accounts).')
  @IsString()
  @Length(1, 64)
  username!: string;
}
