import type { Principal } from './principal';

/**
 * Turns a bearer credential (JWT or API token) into a principal, or throws UNAUTHORIZED.
 * Provided by the auth module; REST, MCP and WebSocket all use this one implementation.
 */
export interface Authenticator {
  authenticate(bearer: string): Promise<Principal>;
}

export const AUTHENTICATOR = Symbol('AUTHENTICATOR');
