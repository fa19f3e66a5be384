import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { checkAccess } from '../auth/access-policy';
import { ACCESS_METADATA, SELF_AUTHENTICATING_METADATA } from '../auth/access.decorator';
import { AUTHENTICATOR, Authenticator } from '../auth/authenticator';
import { Access } from '../auth/roles';
import type { Principal } from '../auth/principal';
import { DomainError } from '../errors/domain-error';
import { AuthenticatedRequest, bearerFrom, hasTokenInQuery } from './request-context';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a route declared; decorators are fixed at bootstrap, so it is read once per route. */
interface RouteRule {
  selfAuthenticating: boolean;
  access: Access | undefined;
}

/**
 * The REST face of the one permission check: authenticates the bearer credential (if any) and
 * applies the route's declared access. A route without a declaration is denied.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
  ) {}

  private readonly rules = new WeakMap<object, WeakMap<object, RouteRule>>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { selfAuthenticating, access } = this.ruleOf(context);
    if (selfAuthenticating) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (access === 'public') {
      // A stale token must not block a login; a valid read-only token still may not write.
      request.principal = await this.optionalPrincipal(request);
      checkAccess(request.principal, access, READ_METHODS.has(request.method));
      return true;
    }
    if (hasTokenInQuery(request)) {
      throw new DomainError(
        'UNAUTHORIZED',
        'Tokens are not accepted in the URL; send Authorization: Bearer <token>.',
      );
    }
    const bearer = bearerFrom(request);
    request.principal = bearer === null ? null : await this.authenticator.authenticate(bearer);
    checkAccess(request.principal, access, READ_METHODS.has(request.method));
    return true;
  }

  /** Keyed by class and handler: an inherited handler may sit under another class's rule. */
  private ruleOf(context: ExecutionContext): RouteRule {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.rules.get(controller);
    if (!byHandler) this.rules.set(controller, (byHandler = new WeakMap()));
    let rule = byHandler.get(handler);
    if (!rule) {
      const targets = [handler, controller];
      rule = {
        selfAuthenticating:
          this.reflector.getAllAndOverride<boolean>(SELF_AUTHENTICATING_METADATA, targets) === true,
        access: this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, targets),
      };
      byHandler.set(handler, rule);
    }
    return rule;
  }

  private async optionalPrincipal(request: AuthenticatedRequest): Promise<Principal | null> {
    const bearer = bearerFrom(request);
    if (!bearer || hasTokenInQuery(request)) return null;
    try {
      return await this.authenticator.authenticate(bearer);
    } catch {
      return null;
    }
  }
}
