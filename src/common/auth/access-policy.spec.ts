import { DomainError } from '../errors/domain-error';
import { checkAccess } from './access-policy';
import type { Principal } from './principal';
import { Access, ROLES } from './roles';

const principal = (role: Principal['role'], readOnly = false): Principal => ({
  kind: readOnly ? 'api_token' : 'user',
  userId: 'u',
  username: 'u',
  role,
  readOnly,
});

function outcome(
  p: Principal | null,
  access: Access | undefined,
  readOnlyOperation: boolean,
): string {
  try {
    checkAccess(p, access, readOnlyOperation);
    return 'allowed';
  } catch (error) {
    return error instanceof DomainError ? error.code : 'threw';
  }
}

describe('checkAccess (the one permission check)', () => {
  it('denies an operation that declares no access, even to an admin', () => {
    expect(outcome(principal('admin'), undefined, true)).toBe('FORBIDDEN');
  });

  it('lets anyone call public operations', () => {
    expect(outcome(null, 'public', false)).toBe('allowed');
  });

  it('asks anonymous callers to authenticate', () => {
    for (const role of ROLES) expect(outcome(null, role, true)).toBe('UNAUTHORIZED');
  });

  it('orders roles readonly < user < admin', () => {
    const table = ROLES.map((caller) =>
      ROLES.map((needed) => outcome(principal(caller), needed, false)),
    );
    expect(table).toEqual([
      ['allowed', 'FORBIDDEN', 'FORBIDDEN'],
      ['allowed', 'allowed', 'FORBIDDEN'],
      ['allowed', 'allowed', 'allowed'],
    ]);
  });

  it('keeps read-only tokens to read-only operations whatever their role', () => {
    expect(outcome(principal('admin', true), 'readonly', false)).toBe('FORBIDDEN');
    expect(outcome(principal('admin', true), 'admin', true)).toBe('allowed');
    expect(outcome(principal('user', true), 'public', false)).toBe('FORBIDDEN');
    expect(outcome(principal('user', true), 'public', true)).toBe('allowed');
  });
});
