import { applyDecorators } from '@nestjs/common';
import { IsEmail, IsIn, IsString, Length, Matches, MaxLength } from 'class-validator';
import { ROLES } from '../../common/auth/roles';

/** Usernames: letters, digits, dot, dash, underscore; start with a letter or digit. */
export const IsUsername = () =>
  applyDecorators(
    IsString(),
    Length(2, 64),
    Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      message:
        'username may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit',
    }),
  );

export const IsNewPassword = () => applyDecorators(IsString(), MaxLength(1024));

export const IsRole = () => IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` });

export const IsUserEmail = () => applyDecorators(IsEmail(), MaxLength(254));
