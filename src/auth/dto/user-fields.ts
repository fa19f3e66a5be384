import { Describe } from '../../common/validation/describe.decorator';
import { applyDecorators } from '@nestjs/common';
import { IsEmail, IsIn, IsString, Length, Matches, MaxLength } from 'class-validator';
import { ROLES } from '../../common/auth/roles';

/** Usernames: letters, digits, dot, dash, underscore; start with a letter or digit. */
export const IsUsername = () =>
  applyDecorators(
    Describe('Login name: 2–64 letters, digits, ".", "_" or "-", starting with a letter or digit.'),
    IsString(),
    Length(2, 64),
    Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      message:
        'username may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit',
    }),
  );

export const IsNewPassword = () =>
  applyDecorators(
    Describe(
      'A new password: at least 15 characters (PASSWORD_MIN_LENGTH), at most 72 bytes, not a common password, not containing the username. A passphrase of several words works well.',
    ),
    IsString(),
    MaxLength(1024),
  );

export const IsRole = () =>
  applyDecorators(
    Describe(
      'readonly (sees everything, changes nothing), user (operates servers and apps) or admin.',
    ),
    IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` }),
  );

export const IsUserEmail = () =>
  applyDecorators(Describe('E-mail address (optional).'), IsEmail(), MaxLength(254));
