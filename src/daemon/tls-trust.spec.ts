import { execFileSync } from 'node:child_process';
import { describeIf } from '../../test/support/infra';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { WebSocketServer } from 'ws';
import { UsageError } from './cli-options';
import { AgentConnection } from './connection';
import { silentLogger } from './logger';
import { loadTlsTrust, type TlsTrust } from './tls-trust';

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('TLS trust', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tomo-agent-tls-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies certificates with the default CAs when no --ca-file is given', () => {
    expect(loadTlsTrust(undefined)).toEqual({ rejectUnauthorized: true });
  });

  it('refuses an unreadable or non-PEM --ca-file as bad usage', () => {
    expect(() => loadTlsTrust(join(dir, 'missing.pem'))).toThrow(UsageError);
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    expect(() => loadTlsTrust(join(dir, 'junk.pem'))).toThrow(/no PEM certificate/);
  });

  it('adds --ca-file to the default CAs instead of replacing them', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'extra.pem'), pem);
    const trust = loadTlsTrust(join(dir, 'extra.pem'));
    expect(trust.rejectUnauthorized).toBe(true);
    expect(trust.ca).toContain(pem);
    expect(trust.ca).toEqual(expect.arrayContaining([...rootCertificates]));
  });

  // The certificate is made with the openssl CLI (scripts/provision-ssh.sh installs it); without
  // it the suite skips loudly, and fails under TOMO_REQUIRE_INFRA=1.
  describeIf(
    haveOpenssl(),
    'openssl',
    'needs the openssl CLI to make a self-signed certificate (Debian package openssl)',
  )('wss:// against a self-signed backend', () => {
    let server: Server;
    let wss: WebSocketServer;
    let url: string;
    let caFile: string;
    const frames: string[] = [];

    beforeAll(async () => {
      const key = join(dir, 'key.pem');
      caFile = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-days',
          '1',
          '-keyout',
          key,
          '-out',
          caFile,
        ],
        { stdio: 'ignore' },
      );
      server = createServer({ key: readFileSync(key), cert: readFileSync(caFile) });
      wss = new WebSocketServer({ server });
      wss.on('connection', (ws) => {
        ws.on('message', (data: Buffer) => {
          frames.push(data.toString());
          ws.close(4001, 'test over');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/ws/agent`;
    });

    afterAll(async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    });

    function dial(tls: TlsTrust) {
      return new AgentConnection({
        url,
        tls,
        handshake: { type: 'authenticate', token: 'x'.repeat(43), version: 'test' },
        handshakeTimeoutMs: 5_000,
        heartbeatTimeoutMs: () => 90_000,
        logger: silentLogger,
        hooks: {
          onHandshake: () => Promise.resolve(),
          onReady: () => undefined,
          onFrame: () => undefined,
        },
      }).run();
    }

    it('refuses a certificate it cannot verify: the token is never sent', async () => {
      const end = await dial(loadTlsTrust(undefined));
      expect(end).toMatchObject({ code: 1006, handshakeDone: false });
      expect(frames).toEqual([]);
    });

    it('connects when --ca-file vouches for the certificate', async () => {
      const end = await dial(loadTlsTrust(caFile));
      expect(end.code).toBe(4001);
      expect(JSON.parse(frames[0] ?? '{}')).toMatchObject({ type: 'authenticate' });
    });
  });
});
