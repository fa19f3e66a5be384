import { SetMetadata } from '@nestjs/common';
import { Access } from './roles';

export const ACCESS_METADATA = 'tomo:access';

/** Declares the minimum role of a REST route. Routes without it are denied. */
export const RequireRole = (access: Access): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, access);

export const Public = (): MethodDecorator & ClassDecorator => RequireRole('public');

export const SELF_AUTHENTICATING_METADATA = 'tomo:self-authenticating';

/**
 * For an endpoint that authenticates and authorises each call itself with the same
 * Authenticator and checkAccess (POST /mcp checks per tool); the REST guard steps aside.
 */
export const AuthenticatesItself = (): ClassDecorator & MethodDecorator =>
  SetMetadata(SELF_AUTHENTICATING_METADATA, true);
