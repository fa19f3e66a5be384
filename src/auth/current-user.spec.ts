import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { Actor, Principal } from '../common/auth/principal';
import { sqliteDataSourceOptions } from '../database/data-source-options';
import { PreparedStatements } from '../database/prepared-statements';
import { TransactionRunner } from '../database/transaction-runner';
import { AuthService } from './auth.service';
import { CredentialLookup } from './credential-lookup';
import { CredentialsService } from './credentials.service';
import { SessionTokens } from './session-tokens';
import { SessionsService } from './sessions.service';
import { UsersService } from './users.service';

const NOW = new Date().toISOString();
const LATER = new Date(Date.now() + 3_600_000).toISOString();

/**
 * get_current_user and GET /auth/me answer from the user row the credential check read in the
 * same request, and read it again once any write has ended since (the answer must reflect the
 * database as it is, e.g. after an earlier call of the same MCP batch changed the user).
 * Services the path does not touch are left out (null).
 */
describe('AuthService.currentUser with the credential check of the same request', () => {
  let directory: string;
  let dataSource: DataSource;
  let transactions: TransactionRunner;
  let credentials: CredentialsService;
  let auth: AuthService;
  let reads: jest.SpyInstance;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tomo-current-user-'));
    dataSource = new DataSource(sqliteDataSourceOptions(join(directory, 'tomo.db')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query(
      `INSERT INTO users (id, username, email, password_hash, role, is_active, created_at, updated_at, last_login_at, password_changed_at)
       VALUES ('u1', 'alice', 'old@example.org', 'x', 'operator', 1, ?, ?, NULL, ?)`,
      [NOW, NOW, NOW],
    );
    await dataSource.query(
      `INSERT INTO sessions (id, user_id, created_at, last_activity_at, expires_at) VALUES ('s1', 'u1', ?, ?, ?)`,
      [NOW, NOW, LATER],
    );
    const statements = new PreparedStatements(dataSource);
    transactions = new TransactionRunner(dataSource);
    const config = { jwt: {} } as never;
    const settings = { get: () => 3600 } as never;
    const sessions = new SessionsService(
      null as never,
      transactions,
      null as never,
      null as never,
      config,
      settings,
    );
    const tokens = { verify: () => ({ sub: 'u1', jti: 's1', exp: 0 }) } as unknown as SessionTokens;
    credentials = new CredentialsService(
      tokens,
      new CredentialLookup(statements, transactions),
      sessions,
      null as never,
    );
    const none = null as never;
    const users = new UsersService(none, none, none, none, none, none, none, statements);
    reads = jest.spyOn(users, 'viewById');
    auth = new AuthService(users, none, none, none, none, none, none, transactions, none, none);
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  const actorOf = (principal: Principal | null): Actor => ({
    principal,
    interface: 'mcp',
    ip: null,
    userAgent: null,
    requestId: null,
  });

  const EXPECTED = {
    id: 'u1',
    username: 'alice',
    email: 'old@example.org',
    role: 'operator',
    is_active: true,
    created_at: NOW,
    last_login_at: null,
  };

  it('answers from the row the credential check read when nothing was written since', async () => {
    const actor = actorOf(await credentials.authenticate('jwt'));
    expect(auth.currentUser(actor)).toEqual(EXPECTED);
    expect(reads).not.toHaveBeenCalled();
  });

  it('reads the user again once a write has ended after the credential check', async () => {
    const actor = actorOf(await credentials.authenticate('jwt'));
    await transactions.run((manager) =>
      manager.query("UPDATE users SET email = 'new@example.org' WHERE id = 'u1'"),
    );
    expect(auth.currentUser(actor)).toEqual({ ...EXPECTED, email: 'new@example.org' });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('reads the user again after a write that rolled back, and for a principal without the row', async () => {
    const principal = await credentials.authenticate('jwt');
    await expect(
      transactions.run(async (manager) => {
        await manager.query("UPDATE users SET email = 'rolled@example.org' WHERE id = 'u1'");
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(auth.currentUser(actorOf(principal))).toEqual(EXPECTED);
    const bare: Principal = { ...principal, account: undefined };
    expect(auth.currentUser(actorOf(bare))).toEqual(EXPECTED);
    expect(reads).toHaveBeenCalledTimes(2);
  });
});
