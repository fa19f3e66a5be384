import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Length, Matches, Max, Min, ValidateBy } from 'class-validator';
import { isIP } from 'node:net';
import { Describe } from '../../common/validation/describe.decorator';
import { AUTH_TYPES } from '../server.entity';

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export function isHostnameOrIp(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return false;
  if (isIP(value) !== 0) return true;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const labels = name.split('.');
  // An all-numeric name that is not a valid IPv4 literal (999.1.1.1) is a typo, not a host.
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => HOSTNAME_LABEL.test(label));
}

export const IsServerHostname = () =>
  applyDecorators(
    Describe('Host name (RFC 1123) or IPv4/IPv6 address of the server, without a port.'),
    IsString(),
    ValidateBy({
      name: 'isHostnameOrIp',
      validator: {
        validate: isHostnameOrIp,
        defaultMessage: () =>
          'hostname must be a host name (letters, digits, "-" and dots) or an IPv4/IPv6 address, without a port or user',
      },
    }),
  );

export const IsServerName = () =>
  applyDecorators(
    Describe('Display name (default: the hostname), 1–128 characters.'),
    IsString(),
    Length(1, 128),
    Matches(/^[^\p{Cc}]+$/u, { message: 'name must not contain control characters' }),
  );

export const IsSshPort = () =>
  applyDecorators(
    Describe('SSH port, 1–65535 (default 22).'),
    Type(() => Number),
    IsInt({ message: 'port must be a whole number' }),
    Min(1, { message: 'port must be from 1 to 65535' }),
    Max(65535, { message: 'port must be from 1 to 65535' }),
  );

/** POSIX portable user names: letters, digits, ".", "_", "-", not starting with "-" or ".". */
export const IsSshUsername = () =>
  applyDecorators(
    Describe('SSH login (default "root"): a POSIX user name, at most 32 characters.'),
    IsString(),
    Matches(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, {
      message:
        'username must be a POSIX user name: up to 32 letters, digits, ".", "_" or "-", starting with a letter or "_"',
    }),
  );

export const IsAuthType = () =>
  applyDecorators(
    Describe('"password" (default) or "key" (a private key in credential).'),
    IsIn(AUTH_TYPES, { message: 'auth_type must be "password" or "key"' }),
  );

export const IsCredential = () =>
  applyDecorators(
    Describe(
      'The SSH password, or the private key (OpenSSH or PEM) when auth_type is "key". Write-only: sealed at rest and never returned.',
    ),
    IsString(),
    Length(1, 16384, { message: 'credential must be 1 to 16384 characters' }),
  );

export const IsPassphrase = () =>
  applyDecorators(
    Describe('Passphrase of an encrypted private key. Write-only.'),
    IsString(),
    Length(1, 1024, { message: 'passphrase must be 1 to 1024 characters' }),
  );
