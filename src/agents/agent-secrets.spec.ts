import { newAgentToken, newRegistrationCode, registrationCodeHash } from './agent-secrets';

describe('agent secrets', () => {
  it('formats a code as 128 bits of upper-case hex in dash-joined groups of four', () => {
    const code = newRegistrationCode();
    expect(code).toMatch(/^[0-9A-F]{4}(-[0-9A-F]{4}){7}$/);
    expect(new Set(Array.from({ length: 100 }, newRegistrationCode)).size).toBe(100);
  });

  it('matches a code case-insensitively and ignoring dashes', () => {
    const code = newRegistrationCode();
    const hash = registrationCodeHash(code);
    expect(registrationCodeHash(code.toLowerCase())).toBe(hash);
    expect(registrationCodeHash(code.replace(/-/g, ''))).toBe(hash);
    expect(registrationCodeHash(newRegistrationCode())).not.toBe(hash);
  });

  it('makes 256-bit base64url tokens', () => {
    expect(newAgentToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
