import { IsString, Length, MaxLength } from 'class-validator';

export class LoginDto {
  @IsString()
  @Length(1, 64)
  username!: string;

  /** Length is checked by the login itself so that a long password gets the same answer. */
  @IsString()
  @MaxLength(1024)
  password!: string;
}
