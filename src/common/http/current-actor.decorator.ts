import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { actorFrom, AuthenticatedRequest } from './request-context';

/** The caller of a REST route as a service method receives it. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  actorFrom(context.switchToHttp().getRequest<AuthenticatedRequest>(), 'rest'),
);
