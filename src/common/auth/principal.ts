import { Role } from './roles';

/** Who is calling, once their credentials have been checked. */
export interface Principal {
  kind: 'user' | 'api_token';
  userId: string;
  username: string;
  role: Role;
  /** The session behind a JWT; absent for API tokens. */
  sessionId?: string;
  /** The API token used; absent for JWTs. */
  tokenId?: string;
  /** A read-only API token reaches only read-only operations. */
  readOnly: boolean;
  /** The rest of the user row, as the credential check of this request read it. */
  account?: PrincipalAccount;
}

/** Read in the same statement as the credential, so that `get_current_user` needs no read. */
export interface PrincipalAccount {
  email: string | null;
  isActive: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  /** The database's write version when read (TransactionRunner.version): stale once it moves. */
  readAtVersion: number;
}

export type Interface = 'rest' | 'mcp' | 'ws' | 'system';

/** Reports how far a long operation has come (MCP progress notifications). */
export type ProgressReporter = (progress: number, total: number, message: string) => Promise<void>;

/** The caller of one operation, as every service method receives it. */
export interface Actor {
  principal: Principal | null;
  interface: Interface;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Present when the caller asked for progress (an MCP request with a progressToken). */
  progress?: ProgressReporter;
}

export const SYSTEM_ACTOR: Actor = {
  principal: null,
  interface: 'system',
  ip: null,
  userAgent: null,
  requestId: null,
};

/** The principal of an operation that required one; the access check guarantees it. */
export function principalOf(actor: Actor): Principal {
  if (!actor.principal) throw new Error('operation reached without a principal');
  return actor.principal;
}
