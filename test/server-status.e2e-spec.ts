import { describeWithSshd } from './support/infra';
import { startSshd, TestSshd } from './support/sshd';
import { TestTomo } from './support/tomo-harness';

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms: number) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

/**
 * Status without anyone asking: the periodic check notices a server going away and coming back,
 * and an idle pooled connection is closed.
 */
describeWithSshd('server status: periodic check and idle connections', () => {
  let sshd: TestSshd;
  let tomo: TestTomo | undefined;
  let token: string;
  let serverId: string;

  const server = async () =>
    (await tomo!.request('GET', `/api/v1/servers/${serverId}`, { token })).body as {
      status: string;
      last_seen_at: string;
    };

  beforeAll(async () => {
    sshd = await startSshd();
    tomo = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '1',
      SSH_IDLE_TIMEOUT_SECONDS: '5',
    });
    token = await tomo.login();
    const added = await tomo.request('POST', '/api/v1/servers', {
      token,
      body: {
        hostname: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        credential: sshd.password,
      },
    });
    expect(added.body.status).toBe('online');
    serverId = added.body.id;
  });

  afterAll(async () => {
    await tomo?.stop();
    await sshd?.stop();
  });

  it('refreshes last_seen_at, marks a vanished server unreachable and a returning one online', async () => {
    const first = (await server()).last_seen_at;
    const refreshed = await eventually(server, (s) => s.last_seen_at !== first, 10_000);
    expect(Date.parse(refreshed.last_seen_at)).toBeGreaterThan(Date.parse(first));

    sshd.kill();
    expect((await eventually(server, (s) => s.status === 'unreachable', 10_000)).status).toBe(
      'unreachable',
    );
    await sshd.start();
    expect((await eventually(server, (s) => s.status === 'online', 10_000)).status).toBe('online');

    const audit = await tomo!.request(
      'GET',
      `/api/v1/audit?action=server.status_changed&target_id=${serverId}`,
      { token },
    );
    // Newest first: back online, unreachable before that.
    expect(
      audit.body.items.slice(0, 2).map((row: { details: { to: string } }) => row.details.to),
    ).toEqual(['online', 'unreachable']);
  });

  it('keeps a pooled connection while in use and closes it after SSH_IDLE_TIMEOUT_SECONDS', async () => {
    // A Tomo without the periodic check, so the only connection to sshd is the pooled one:
    // the first Tomo (checking every second) is done.
    await tomo?.stop();
    tomo = undefined;
    const quiet = await TestTomo.start({
      SERVER_CHECK_INTERVAL_SECONDS: '0',
      SSH_IDLE_TIMEOUT_SECONDS: '5',
    });
    try {
      const admin = await quiet.login();
      const added = await quiet.request('POST', '/api/v1/servers', {
        token: admin,
        body: {
          hostname: '127.0.0.1',
          port: sshd.port,
          username: sshd.username,
          credential: sshd.password,
        },
      });
      const disconnects = () => (sshd.log().match(/Disconnected from user/g) ?? []).length;
      await eventually(
        () => Promise.resolve(disconnects()),
        (n) => n > 0,
        5000,
      );
      const run = () =>
        quiet.request('POST', `/api/v1/servers/${added.body.id}/commands`, {
          token: admin,
          body: { command: 'true' },
        });
      expect((await run()).body.success).toBe(true);
      const before = disconnects();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect((await run()).body.success).toBe(true);
      expect(disconnects()).toBe(before);
      const after = await eventually(
        () => Promise.resolve(disconnects()),
        (count) => count > before,
        15_000,
      );
      expect(after).toBe(before + 1);
    } finally {
      await quiet.stop();
    }
  });
});
