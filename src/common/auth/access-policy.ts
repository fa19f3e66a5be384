import { DomainError } from '../errors/domain-error';
import { Access, roleAtLeast } from './roles';
import { Principal } from './principal';

/**
 * The one permission check. REST, MCP and WebSocket all call it with the access an operation
 * declared and whether that operation only reads. Deny by default: no declaration, no entry.
 */
export function checkAccess(
  principal: Principal | null,
  access: Access | undefined,
  operationIsReadOnly: boolean,
): void {
  if (access === undefined) {
    throw new DomainError('FORBIDDEN', 'This operation declares no access rule and is denied.');
  }
  if (principal?.readOnly && !operationIsReadOnly) {
    throw new DomainError('FORBIDDEN', 'This API token is read-only and cannot perform changes.');
  }
  if (access === 'public') return;
  if (!principal) {
    throw new DomainError('UNAUTHORIZED', 'Authentication required: send a Bearer token.');
  }
  if (!roleAtLeast(principal.role, access)) {
    throw new DomainError('FORBIDDEN', `This operation requires the ${access} role.`);
  }
}

/** Whether a principal could call an operation at all (used to filter tools/list). */
export function mayCall(
  principal: Principal,
  access: Access,
  operationIsReadOnly: boolean,
): boolean {
  try {
    checkAccess(principal, access, operationIsReadOnly);
    return true;
  } catch {
    return false;
  }
}
