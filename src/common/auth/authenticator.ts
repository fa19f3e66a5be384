import type { Principal } from './principal';

/**
 * Turns a bearer credential (JWT or API token) into a principal, or throws UNAUTHORIZED.
 * Provided by the auth module; REST, MCP and WebSocket all use this one implementation.
 */
export interface Authenticator {
  /** `touch: false` checks without counting as activity (a live socket's periodic re-check). */
  authenticate(bearer: string, options?: { touch?: boolean }): Promise<Principal>;
}

export const AUTHENTICATOR = Symbol('AUTHENTICATOR');
