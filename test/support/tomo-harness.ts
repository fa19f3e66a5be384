import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningTomo, startTomo } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/load-config';

export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'plum orchard midnight telescope';
/** A password that passes the policy, for users the tests create. */
export const GOOD_PASSWORD = 'a quiet lantern over the river';

export type Era = '2025' | '2026';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A Tomo started for one test file: its own temp data directory, a free port, real HTTP. */
export class TestTomo {
  private constructor(
    readonly tomo: RunningTomo,
    readonly dataDirectory: string,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<TestTomo> {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-e2e-'));
    const config = loadConfig({
      APP_ENV: 'test',
      DATA_DIRECTORY: dataDirectory,
      PORT: '0',
      LOG_LEVEL: 'silent',
      TOMO_ADMIN_USERNAME: ADMIN_USERNAME,
      TOMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      ...env,
    });
    return new TestTomo(await startTomo(config), dataDirectory);
  }

  get url(): string {
    return this.tomo.url;
  }

  async stop(): Promise<void> {
    await this.tomo.close();
    rmSync(this.dataDirectory, { recursive: true, force: true });
  }

  async request<T = any>(
    method: string,
    path: string,
    options: {
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      rawBody?: string;
    } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(this.url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (Swagger UI HTML, …)
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  async login(username = ADMIN_USERNAME, password = ADMIN_PASSWORD): Promise<string> {
    const result = await this.request('POST', '/api/v1/auth/login', {
      body: { username, password },
    });
    if (result.status !== 200)
      throw new Error(`login ${username} failed: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body.token as string;
  }

  /** Creates a user through the API (as admin) and returns a fresh JWT for them. */
  async createUser(
    username: string,
    role: 'readonly' | 'user' | 'admin',
    adminToken: string,
  ): Promise<{ id: string; token: string }> {
    const created = await this.request('POST', '/api/v1/users', {
      token: adminToken,
      body: { username, password: GOOD_PASSWORD, role },
    });
    if (created.status !== 201)
      throw new Error(`create ${username}: ${created.status} ${JSON.stringify(created.body)}`);
    return { id: created.body.id as string, token: await this.login(username, GOOD_PASSWORD) };
  }

  /** The official MCP client, connected with a bearer token, in the chosen protocol era. */
  async mcp(
    token: string | null,
    era: Era = '2026',
    headers: Record<string, string> = {},
  ): Promise<Client> {
    const client = new Client(
      { name: 'tomo-e2e', version: '1.0.0' },
      era === '2026' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
    );
    const transport = new StreamableHTTPClientTransport(new URL(`${this.url}/mcp`), {
      requestInit: {
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      },
    });
    await client.connect(transport);
    return client;
  }
}
