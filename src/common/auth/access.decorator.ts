import { SetMetadata } from '@nestjs/common';
import { Access } from './roles';

export const ACCESS_METADATA = 'tomo:access';

/** Declares the minimum role of a REST route. Routes without it are denied. */
export const RequireRole = (access: Access): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, access);

export const Public = (): MethodDecorator & ClassDecorator => RequireRole('public');
