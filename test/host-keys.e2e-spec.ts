import { EventEmitter2 } from '@nestjs/event-emitter';
import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

/** What sshd logs once a client starts authenticating (LogLevel DEBUG1). */
const AUTHENTICATION = /userauth-request|Accepted |Failed (password|publickey)|Invalid user/;

/**
 * Host-key pinning (DESIGN security section; issue: "a changed key aborts before any credential
 * is sent"): a real sshd restarted with a new host key, and its own log as the witness.
 */
describeWithSshd('host keys: pinned on first use, a change stops everything before login', () => {
  let sshd: TestSshd;
  let tomo: TestTomo;
  let token: string;
  let userToken: string;
  let serverId: string;
  const announced: unknown[] = [];

  const api = (method: string, path: string, body?: unknown, as = token) =>
    tomo.request(method, path, { token: as, body });
  const run = (command = 'echo ok') =>
    api('POST', `/api/v1/servers/${serverId}/commands`, { command });

  beforeAll(async () => {
    sshd = await startSshd();
    tomo = await TestTomo.start({ SERVER_CHECK_INTERVAL_SECONDS: '0' });
    token = await tomo.login();
    userToken = (await tomo.createUser('hana-user', 'user', token)).token;
    tomo.tomo.app
      .get(EventEmitter2)
      .on('server.host_key_changed', (payload: unknown) => announced.push(payload));
    const added = await api('POST', '/api/v1/servers', {
      hostname: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      credential: sshd.password,
    });
    serverId = added.body.id;
  });

  afterAll(async () => {
    await tomo?.stop();
    await sshd?.stop();
  });

  it('pins the first key the server offers, as ssh-keygen prints it', async () => {
    const server = (await api('GET', `/api/v1/servers/${serverId}`)).body;
    expect(server).toMatchObject({
      status: 'online',
      host_key_fingerprint: sshd.hostKeyFingerprint,
    });
    expect((await run()).body).toMatchObject({ success: true, output: 'ok\n' });
    const audit = await api(
      'GET',
      `/api/v1/audit?action=server.host_key_pinned&target_id=${serverId}`,
    );
    expect(audit.body.items[0].details.fingerprint).toBe(sshd.hostKeyFingerprint);
  });

  it('a new host key is refused before authentication, recorded, audited and announced', async () => {
    const pinned = sshd.hostKeyFingerprint;
    await sshd.restart({ newHostKey: true });
    const offered = sshd.hostKeyFingerprint;
    expect(offered).not.toBe(pinned);
    const logBefore = sshd.log().length;

    const test = await api('POST', `/api/v1/servers/${serverId}/test`);
    expect(test.body).toMatchObject({
      success: false,
      status: 'host_key_changed',
      host_key_fingerprint: pinned,
    });
    expect(test.body.error).toContain(offered);

    // The pooled connection from before the change is dropped too: commands are refused.
    const command = await run();
    expect(command.status).toBe(409);
    expect(command.body).toMatchObject({ code: 'HOST_KEY_MISMATCH' });

    const log = sshd.log().slice(logBefore);
    expect(log).toMatch(/Connection from 127\.0\.0\.1/);
    expect(log).not.toMatch(AUTHENTICATION);

    const server = (await api('GET', `/api/v1/servers/${serverId}`)).body;
    expect(server).toMatchObject({ status: 'host_key_changed', host_key_fingerprint: pinned });
    expect(server.status_error).toContain(offered);

    const audit = await api(
      'GET',
      `/api/v1/audit?action=server.host_key_changed&target_id=${serverId}`,
    );
    expect(audit.body.total).toBe(1);
    expect(audit.body.items[0]).toMatchObject({
      result: 'failure',
      details: { pinned_fingerprint: pinned, offered_fingerprint: offered },
    });
    expect(announced).toEqual([
      expect.objectContaining({ serverId, pinnedFingerprint: pinned, offeredFingerprint: offered }),
    ]);
  });

  it('only an admin can accept the key, and then exactly that key is pinned', async () => {
    const denied = await api('POST', `/api/v1/servers/${serverId}/host-key`, undefined, userToken);
    expect(denied.status).toBe(403);

    const accepted = await api('POST', `/api/v1/servers/${serverId}/host-key`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      status: 'online',
      host_key_fingerprint: sshd.hostKeyFingerprint,
    });
    expect((await run()).body).toMatchObject({ success: true });
    const audit = await api(
      'GET',
      `/api/v1/audit?action=server.host_key_accepted&target_id=${serverId}`,
    );
    expect(audit.body.items[0]).toMatchObject({
      actor_name: 'admin',
      details: { accepted_fingerprint: sshd.hostKeyFingerprint, pinned: true },
    });
  });

  it('with nothing to accept, accept_host_key is a conflict', async () => {
    const response = await api('POST', `/api/v1/servers/${serverId}/host-key`);
    expect(response.status).toBe(409);
    expect(response.body.detail).toMatch(/still matches/);
  });

  it('a key that changed again after it was shown is not accepted blindly', async () => {
    await sshd.restart({ newHostKey: true });
    const shown = sshd.hostKeyFingerprint;
    expect((await api('POST', `/api/v1/servers/${serverId}/test`)).body.status).toBe(
      'host_key_changed',
    );
    await sshd.restart({ newHostKey: true });
    const swapped = sshd.hostKeyFingerprint;

    const refused = await api('POST', `/api/v1/servers/${serverId}/host-key`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'HOST_KEY_MISMATCH' });
    expect(refused.body.detail).toContain(swapped);
    expect(refused.body.detail).toContain(shown);
    const server = (await api('GET', `/api/v1/servers/${serverId}`)).body;
    expect(server.host_key_fingerprint).not.toBe(shown);
    expect(server.host_key_fingerprint).not.toBe(swapped);

    // The key now on record is the one the admin sees; accepting pins it.
    const accepted = await api('POST', `/api/v1/servers/${serverId}/host-key`);
    expect(accepted.body).toMatchObject({ status: 'online', host_key_fingerprint: swapped });
  });

  it('MCP callers get the same refusal with its code', async () => {
    await sshd.restart({ newHostKey: true });
    const client = await tomo.mcp(token, '2026');
    try {
      const test = await client.callTool({
        name: 'test_connection',
        arguments: { server_id: serverId },
      });
      expect(test.structuredContent).toMatchObject({ success: false, status: 'host_key_changed' });
      const command = await client.callTool({
        name: 'execute_command',
        arguments: { server_id: serverId, command: 'true' },
      });
      expect(command.isError).toBe(true);
      expect(command.structuredContent).toMatchObject({ code: 'HOST_KEY_MISMATCH' });
    } finally {
      await client.close();
    }
  });
});
