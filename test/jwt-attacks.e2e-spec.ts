import { randomBytes, randomUUID } from 'node:crypto';
import {
  attackerRsaKey,
  decodeJwt,
  garbage,
  hmac,
  jwtSecretOf,
  nowSeconds,
  rawMcpToolCall,
  reforge,
  rsa,
  unsigned,
  withDb,
} from './support/jwt-forge';
import { ADMIN_PASSWORD, ADMIN_USERNAME, TestTomo } from './support/tomo-harness';

/** Checklist 9–15: forged, stale and misplaced tokens are refused by REST and MCP alike. */
describe('JWT attacks', () => {
  let tomo: TestTomo;
  let secret: string;
  let adminToken: string;
  /** A valid token of the admin whose claims the forgeries start from. */
  let base: string;
  let other: { id: string; token: string };

  beforeAll(async () => {
    tomo = await TestTomo.start();
    secret = jwtSecretOf(tomo.dataDirectory);
    adminToken = await tomo.login();
    base = await tomo.login();
    other = await tomo.createUser('jwt-other', 'user', adminToken);
  });
  afterAll(() => tomo.stop());

  async function expectAccepted(token: string, username = ADMIN_USERNAME): Promise<void> {
    const rest = await tomo.request('GET', '/api/v1/auth/me', { token });
    expect(rest.status).toBe(200);
    expect(rest.body.username).toBe(username);
    const mcp = await rawMcpToolCall(tomo.url, token, 'get_current_user');
    expect(mcp.status).toBe(200);
    expect(mcp.message.result.isError).toBeFalsy();
    expect(mcp.message.result.structuredContent.username).toBe(username);
  }

  async function expectRejected(token: string | null, query = ''): Promise<void> {
    const rest = await tomo.request('GET', `/api/v1/auth/me${query}`, token ? { token } : {});
    expect(rest.status).toBe(401);
    expect(rest.body.code).toBe('UNAUTHORIZED');
    expect(rest.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const mcp = await rawMcpToolCall(tomo.url, token, 'get_current_user', {}, query);
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(JSON.stringify(mcp.message)).not.toContain(ADMIN_USERNAME);
  }

  describe('control cases (the forging helper itself produces accepted tokens)', () => {
    it('accepts a freshly logged-in token on REST and MCP', async () => {
      await expectAccepted(base);
    });

    it('accepts the same claims re-signed with HS256 and the real secret', async () => {
      await expectAccepted(reforge(base, hmac('sha256', secret)));
    });
  });

  const attacks: [string, () => string][] = [
    ['alg none, no signature', () => reforge(base, unsigned, { header: { alg: 'none' } })],
    [
      'alg "None" with an HS256 signature',
      () => reforge(base, hmac('sha256', secret), { header: { alg: 'None' } }),
    ],
    [
      'HS512 signed with the real secret',
      () => reforge(base, hmac('sha512', secret), { header: { alg: 'HS512' } }),
    ],
    [
      'HS384 signed with the real secret',
      () => reforge(base, hmac('sha384', secret), { header: { alg: 'HS384' } }),
    ],
    [
      'HS256 signed with a different secret',
      () => reforge(base, hmac('sha256', randomBytes(48).toString('base64'))),
    ],
    [
      'alg RS256 with a garbage signature',
      () => reforge(base, garbage, { header: { alg: 'RS256' } }),
    ],
    [
      'alg ES256 with a garbage signature',
      () => reforge(base, garbage, { header: { alg: 'ES256' } }),
    ],
    [
      'RS256 signed by an attacker key embedded as header jwk',
      () => {
        const attacker = attackerRsaKey();
        return reforge(base, rsa(attacker.privateKey), {
          header: { alg: 'RS256', jwk: attacker.jwk },
        });
      },
    ],
    [
      'RS256 signed by an attacker key published at header jku',
      () => {
        const attacker = attackerRsaKey();
        return reforge(base, rsa(attacker.privateKey), {
          header: { alg: 'RS256', jku: 'http://127.0.0.1:9/.well-known/jwks.json', kid: 'evil' },
        });
      },
    ],
    [
      'HS256 with an attacker oct key embedded as header jwk',
      () => {
        const key = randomBytes(32);
        return reforge(base, hmac('sha256', key), {
          header: { jwk: { kty: 'oct', k: key.toString('base64url') } },
        });
      },
    ],
    [
      'kid path traversal to /dev/null with an empty key',
      () => reforge(base, hmac('sha256', ''), { header: { kid: '../../../../../../dev/null' } }),
    ],
    [
      'kid SQL injection selecting a known key',
      () =>
        reforge(base, hmac('sha256', 'attacker'), {
          header: { kid: "x' UNION SELECT 'attacker' --" },
        }),
    ],
    [
      'expired by 1 s',
      () =>
        reforge(base, hmac('sha256', secret), {
          claims: { iat: nowSeconds() - 60, exp: nowSeconds() - 1 },
        }),
    ],
    ['no exp claim', () => reforge(base, hmac('sha256', secret), { claims: { exp: undefined } })],
    [
      'nbf in the future',
      () => reforge(base, hmac('sha256', secret), { claims: { nbf: nowSeconds() + 600 } }),
    ],
    ['wrong iss', () => reforge(base, hmac('sha256', secret), { claims: { iss: 'not-tomo' } })],
    ['missing iss', () => reforge(base, hmac('sha256', secret), { claims: { iss: undefined } })],
    [
      'wrong aud',
      () => reforge(base, hmac('sha256', secret), { claims: { aud: 'some-other-api' } }),
    ],
    [
      'typ header at+jwt',
      () => reforge(base, hmac('sha256', secret), { header: { typ: 'at+jwt' } }),
    ],
    [
      'jti naming a session that does not exist',
      () => reforge(base, hmac('sha256', secret), { claims: { jti: randomUUID() } }),
    ],
    [
      "sub swapped to another user (the admin's session)",
      () => reforge(base, hmac('sha256', secret), { claims: { sub: other.id } }),
    ],
    ['a truncated signature', () => base.slice(0, -4)],
  ];

  it.each(attacks)('rejects %s on REST and MCP with 401', async (_name, build) => {
    // The untouched claims, re-signed properly, still work: only the attack differs.
    await expectAccepted(reforge(base, hmac('sha256', secret)));
    await expectRejected(build());
  });

  describe('a token stops working when its session or user changes (checklist 13)', () => {
    async function freshUser(name: string): Promise<{ id: string; token: string }> {
      const user = await tomo.createUser(name, 'user', adminToken);
      await expectAccepted(user.token, name);
      return user;
    }

    it('rejects the token of a disabled user', async () => {
      const user = await freshUser('jwt-disabled');
      const patch = await tomo.request('PATCH', `/api/v1/users/${user.id}`, {
        token: adminToken,
        body: { is_active: false },
      });
      expect(patch.status).toBe(200);
      await expectRejected(user.token);
    });

    it('rejects the token of a deleted user', async () => {
      const user = await freshUser('jwt-deleted');
      const removed = await tomo.request('DELETE', `/api/v1/users/${user.id}`, {
        token: adminToken,
      });
      expect(removed.status).toBe(200);
      await expectRejected(user.token);
    });

    it('rejects the token after a role change made with update_user', async () => {
      const user = await freshUser('jwt-demoted');
      const admin = await tomo.mcp(adminToken);
      const result = await admin.callTool({
        name: 'update_user',
        arguments: { user_id: user.id, role: 'readonly' },
      });
      await admin.close();
      expect(result.isError).toBeFalsy();
      await expectRejected(user.token);
    });

    it('rejects the token after logout', async () => {
      const token = await tomo.login();
      await expectAccepted(token);
      expect((await tomo.request('POST', '/api/v1/auth/logout', { token })).status).toBe(200);
      await expectRejected(token);
    });

    it('rejects a token whose session went idle or passed its absolute expiry (server side)', async () => {
      const idle = await tomo.login();
      const expired = await tomo.login();
      await expectAccepted(idle);
      await expectAccepted(expired);
      const longAgo = new Date(Date.now() - 2 * 86400_000).toISOString();
      const past = new Date(Date.now() - 1000).toISOString();
      withDb(tomo.dataDirectory, (db) => {
        const update = (column: string, value: string, token: string) =>
          db
            .prepare(`UPDATE sessions SET ${column} = ? WHERE id = ?`)
            .run(value, decodeJwt(token).claims.jti);
        update('last_activity_at', longAgo, idle);
        update('expires_at', past, expired);
      });
      await expectRejected(idle);
      await expectRejected(expired);
    });
  });

  describe('tokens in the URL (checklist 12)', () => {
    it.each(['token', 'access_token'])('rejects ?%s=<valid JWT> without a header', async (name) => {
      const token = await tomo.login();
      await expectAccepted(token);
      await expectRejected(null, `?${name}=${encodeURIComponent(token)}`);
    });
  });

  describe('lifetime and session ids (checklist 14, 15)', () => {
    it('issues HS256 tokens that live at most 24 h, with expires_at matching exp', async () => {
      const login = await tomo.request('POST', '/api/v1/auth/login', {
        body: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
      });
      expect(login.status).toBe(200);
      const { header, claims } = decodeJwt(login.body.token);
      expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
      expect(claims).toMatchObject({ iss: expect.any(String), aud: expect.anything() });
      const exp = claims.exp as number;
      const iat = claims.iat as number;
      expect(exp - iat).toBeGreaterThan(0);
      expect(exp - iat).toBeLessThanOrEqual(24 * 3600);
      expect(Math.abs(Date.parse(login.body.expires_at) / 1000 - exp)).toBeLessThanOrEqual(1);
    });

    it('gives every login a new session id (jti) and a different token', async () => {
      const first = await tomo.login();
      const second = await tomo.login();
      expect(first).not.toBe(second);
      const a = decodeJwt(first).claims.jti as string;
      const b = decodeJwt(second).claims.jti as string;
      expect(a).toMatch(/^[0-9a-f-]{36}$/);
      expect(a).not.toBe(b);
      const sessions = await tomo.request('GET', '/api/v1/sessions', { token: second });
      const ids = sessions.body.items.map((s: { id: string }) => s.id);
      expect(ids).toEqual(expect.arrayContaining([a, b]));
    });
  });
});
