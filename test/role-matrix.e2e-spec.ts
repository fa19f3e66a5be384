import type { Client } from '@modelcontextprotocol/client';
import { randomUUID } from 'node:crypto';
import { rawMcpToolCall } from './support/raw-mcp';
import { ADMIN_PASSWORD, ADMIN_USERNAME, GOOD_PASSWORD, TestTomo } from './support/tomo-harness';

/**
 * The permission matrix (DESIGN "Permissions", checklist 16, 17, 40): every route and every tool
 * against anonymous, readonly, user and admin callers and an admin's read-only API token.
 * The contract below is copied from TOOLS.md; a route or tool missing from it fails the suite.
 */
type Access = 'public' | 'readonly' | 'user' | 'admin';
interface ToolContract {
  access: Access;
  /** Changes nothing (readOnlyHint). */
  readOnly: boolean;
  /** The arguments TOOLS.md names. */
  args: string[];
}

const TOOLS: Record<string, ToolContract> = {
  login: { access: 'public', readOnly: false, args: ['username', 'password'] },
  logout: { access: 'readonly', readOnly: false, args: [] },
  get_current_user: { access: 'readonly', readOnly: true, args: [] },
  change_password: {
    access: 'readonly',
    readOnly: false,
    args: ['current_password', 'new_password'],
  },
  create_initial_admin: {
    access: 'public',
    readOnly: false,
    args: ['username', 'password', 'email'],
  },
  create_user: {
    access: 'admin',
    readOnly: false,
    args: ['username', 'password', 'role', 'email'],
  },
  list_users: { access: 'admin', readOnly: true, args: ['limit', 'offset'] },
  update_user: {
    access: 'admin',
    readOnly: false,
    args: ['user_id', 'role', 'email', 'is_active'],
  },
  reset_user_password: { access: 'admin', readOnly: false, args: ['user_id', 'new_password'] },
  delete_user: { access: 'admin', readOnly: false, args: ['user_id'] },
  list_locked_accounts: { access: 'admin', readOnly: true, args: [] },
  unlock_account: { access: 'admin', readOnly: false, args: ['username'] },
  create_api_token: {
    access: 'readonly',
    readOnly: false,
    args: ['name', 'read_only', 'expires_in_days'],
  },
  list_api_tokens: { access: 'readonly', readOnly: true, args: [] },
  revoke_api_token: { access: 'readonly', readOnly: false, args: ['token_id'] },
  list_sessions: { access: 'readonly', readOnly: true, args: ['user_id'] },
  terminate_session: { access: 'readonly', readOnly: false, args: ['session_id'] },
  check_health: { access: 'public', readOnly: true, args: [] },
  get_system_info: { access: 'readonly', readOnly: true, args: [] },
  get_version: { access: 'public', readOnly: true, args: [] },
  query_audit_log: {
    access: 'admin',
    readOnly: true,
    args: ['actor', 'action', 'target_type', 'target_id', 'since', 'until', 'limit', 'offset'],
  },
  verify_audit_log: { access: 'admin', readOnly: true, args: [] },
  add_server: {
    access: 'admin',
    readOnly: false,
    args: ['hostname', 'name', 'port', 'username', 'auth_type', 'credential', 'passphrase'],
  },
  list_servers: { access: 'readonly', readOnly: true, args: ['status', 'limit', 'offset'] },
  get_server: { access: 'readonly', readOnly: true, args: ['server_id'] },
  update_server: {
    access: 'admin',
    readOnly: false,
    args: [
      'server_id',
      'name',
      'hostname',
      'port',
      'username',
      'auth_type',
      'credential',
      'passphrase',
    ],
  },
  remove_server: { access: 'admin', readOnly: false, args: ['server_id'] },
  test_connection: { access: 'user', readOnly: false, args: ['server_id'] },
  accept_host_key: { access: 'admin', readOnly: false, args: ['server_id'] },
  execute_command: {
    access: 'admin',
    readOnly: false,
    args: ['server_id', 'command', 'timeout_seconds', 'method'],
  },
  get_execution_methods: { access: 'readonly', readOnly: true, args: ['server_id'] },
  verify_docker: { access: 'user', readOnly: true, args: ['server_id'] },
  install_docker: { access: 'admin', readOnly: false, args: ['server_id'] },
  register_agent: { access: 'admin', readOnly: false, args: ['server_id'] },
  list_agents: { access: 'readonly', readOnly: true, args: ['status'] },
  get_agent_status: { access: 'readonly', readOnly: true, args: ['server_id'] },
  ping_agent: { access: 'user', readOnly: true, args: ['server_id'] },
  rotate_agent_token: { access: 'admin', readOnly: false, args: ['server_id'] },
  revoke_agent: { access: 'admin', readOnly: false, args: ['server_id'] },
  install_agent: { access: 'admin', readOnly: false, args: ['server_id'] },
  uninstall_agent: { access: 'admin', readOnly: false, args: ['server_id'] },
  search_apps: {
    access: 'readonly',
    readOnly: true,
    args: ['query', 'category', 'tag', 'repository_id', 'limit', 'offset'],
  },
  get_app_details: { access: 'readonly', readOnly: true, args: ['app_id'] },
  list_categories: { access: 'readonly', readOnly: true, args: [] },
  add_repository: { access: 'admin', readOnly: false, args: ['name', 'url', 'branch', 'format'] },
  list_repositories: { access: 'readonly', readOnly: true, args: [] },
  update_repository: {
    access: 'admin',
    readOnly: false,
    args: ['repository_id', 'name', 'branch', 'enabled'],
  },
  remove_repository: { access: 'admin', readOnly: false, args: ['repository_id'] },
  sync_repository: { access: 'admin', readOnly: false, args: ['repository_id'] },
  install_app: { access: 'user', readOnly: false, args: ['server_id', 'app_id', 'config'] },
  deploy_app: { access: 'user', readOnly: false, args: ['server_id', 'manifest', 'config'] },
  check_status: { access: 'readonly', readOnly: true, args: ['installation_id'] },
  list_apps: {
    access: 'readonly',
    readOnly: true,
    args: ['server_id', 'status', 'limit', 'offset'],
  },
  start_app: { access: 'user', readOnly: false, args: ['installation_id'] },
  stop_app: { access: 'user', readOnly: false, args: ['installation_id'] },
  restart_app: { access: 'user', readOnly: false, args: ['installation_id'] },
  update_app: {
    access: 'user',
    readOnly: false,
    args: ['installation_id', 'version', 'config'],
  },
  uninstall_app: {
    access: 'user',
    readOnly: false,
    args: ['installation_id', 'remove_volumes'],
  },
  run_preflight_checks: { access: 'user', readOnly: true, args: ['server_id', 'app_id', 'config'] },
  get_app_logs: {
    access: 'readonly',
    readOnly: true,
    args: ['installation_id', 'tail', 'service'],
  },
  get_setting: { access: 'readonly', readOnly: true, args: ['key', 'scope'] },
  list_settings: { access: 'readonly', readOnly: true, args: ['scope', 'category'] },
  update_setting: {
    access: 'readonly',
    readOnly: false,
    args: ['key', 'value', 'scope', 'expected_version'],
  },
  reset_setting: { access: 'readonly', readOnly: false, args: ['key', 'scope'] },
  get_settings_audit: { access: 'admin', readOnly: true, args: ['key', 'limit', 'offset'] },
  create_policy: {
    access: 'admin',
    readOnly: false,
    args: ['data_type', 'retention_days', 'enabled'],
  },
  list_policies: { access: 'admin', readOnly: true, args: [] },
  update_policy: {
    access: 'admin',
    readOnly: false,
    args: ['policy_id', 'retention_days', 'enabled'],
  },
  delete_policy: { access: 'admin', readOnly: false, args: ['policy_id'] },
  preview_retention: { access: 'admin', readOnly: true, args: ['data_type'] },
  run_retention: { access: 'admin', readOnly: false, args: ['data_type'] },
  get_notifications: {
    access: 'readonly',
    readOnly: true,
    args: ['unread_only', 'limit', 'offset'],
  },
  mark_read: { access: 'readonly', readOnly: false, args: ['notification_id'] },
  mark_all_read: { access: 'readonly', readOnly: false, args: [] },
  dismiss_notification: { access: 'readonly', readOnly: false, args: ['notification_id'] },
  get_unread_count: { access: 'readonly', readOnly: true, args: [] },
  list_notification_channels: { access: 'admin', readOnly: true, args: [] },
  create_notification_channel: {
    access: 'admin',
    readOnly: false,
    args: ['name', 'kind', 'url', 'secret', 'topic', 'min_severity', 'event_types', 'enabled'],
  },
  update_notification_channel: {
    access: 'admin',
    readOnly: false,
    args: [
      'channel_id',
      'name',
      'url',
      'secret',
      'topic',
      'min_severity',
      'event_types',
      'enabled',
    ],
  },
  delete_notification_channel: { access: 'admin', readOnly: false, args: ['channel_id'] },
  test_notification_channel: { access: 'admin', readOnly: false, args: ['channel_id'] },
  get_status: { access: 'readonly', readOnly: true, args: [] },
  get_metrics: {
    access: 'readonly',
    readOnly: true,
    args: ['server_id', 'metric', 'since', 'until', 'resolution'],
  },
  get_resource_usage: { access: 'readonly', readOnly: true, args: ['server_id'] },
  get_dashboard: { access: 'readonly', readOnly: true, args: [] },
  create_backup: { access: 'admin', readOnly: false, args: ['passphrase', 'note'] },
  list_backups: { access: 'admin', readOnly: true, args: [] },
  restore_backup: { access: 'admin', readOnly: false, args: ['backup_id', 'passphrase'] },
  delete_backup: { access: 'admin', readOnly: false, args: ['backup_id'] },
  query_logs: {
    access: 'admin',
    readOnly: true,
    args: ['level', 'source', 'search', 'since', 'until', 'limit', 'offset'],
  },
  get_logs_by_source: { access: 'admin', readOnly: true, args: ['source', 'limit'] },
};

/** REST route → the tool of the same operation (one policy: the same minimum role). */
const ROUTES: Record<string, keyof typeof TOOLS> = {
  'POST /api/v1/auth/login': 'login',
  'POST /api/v1/auth/logout': 'logout',
  'GET /api/v1/auth/me': 'get_current_user',
  'POST /api/v1/auth/password': 'change_password',
  'POST /api/v1/setup': 'create_initial_admin',
  'POST /api/v1/users': 'create_user',
  'GET /api/v1/users': 'list_users',
  'PATCH /api/v1/users/{user_id}': 'update_user',
  'POST /api/v1/users/{user_id}/password': 'reset_user_password',
  'DELETE /api/v1/users/{user_id}': 'delete_user',
  'GET /api/v1/users/locked': 'list_locked_accounts',
  'POST /api/v1/users/unlock': 'unlock_account',
  'POST /api/v1/api-tokens': 'create_api_token',
  'GET /api/v1/api-tokens': 'list_api_tokens',
  'DELETE /api/v1/api-tokens/{token_id}': 'revoke_api_token',
  'GET /api/v1/sessions': 'list_sessions',
  'DELETE /api/v1/sessions/{session_id}': 'terminate_session',
  'GET /health': 'check_health',
  'GET /health/ready': 'check_health',
  'GET /api/v1/system/info': 'get_system_info',
  'GET /api/v1/system/version': 'get_version',
  'GET /api/v1/audit': 'query_audit_log',
  'POST /api/v1/audit/verify': 'verify_audit_log',
  'POST /api/v1/servers': 'add_server',
  'GET /api/v1/servers': 'list_servers',
  'GET /api/v1/servers/{server_id}': 'get_server',
  'PATCH /api/v1/servers/{server_id}': 'update_server',
  'DELETE /api/v1/servers/{server_id}': 'remove_server',
  'POST /api/v1/servers/{server_id}/test': 'test_connection',
  'POST /api/v1/servers/{server_id}/host-key': 'accept_host_key',
  'POST /api/v1/servers/{server_id}/commands': 'execute_command',
  'GET /api/v1/servers/{server_id}/execution-methods': 'get_execution_methods',
  'GET /api/v1/servers/{server_id}/docker': 'verify_docker',
  'POST /api/v1/servers/{server_id}/docker': 'install_docker',
  'POST /api/v1/servers/{server_id}/agent': 'register_agent',
  'GET /api/v1/agents': 'list_agents',
  'GET /api/v1/servers/{server_id}/agent': 'get_agent_status',
  'POST /api/v1/servers/{server_id}/agent/ping': 'ping_agent',
  'POST /api/v1/servers/{server_id}/agent/rotate': 'rotate_agent_token',
  'DELETE /api/v1/servers/{server_id}/agent': 'revoke_agent',
  'POST /api/v1/servers/{server_id}/agent/install': 'install_agent',
  'POST /api/v1/servers/{server_id}/agent/uninstall': 'uninstall_agent',
  'GET /api/v1/marketplace/apps': 'search_apps',
  'GET /api/v1/marketplace/apps/{app_id}': 'get_app_details',
  'GET /api/v1/marketplace/categories': 'list_categories',
  'POST /api/v1/marketplace/repositories': 'add_repository',
  'GET /api/v1/marketplace/repositories': 'list_repositories',
  'PATCH /api/v1/marketplace/repositories/{repository_id}': 'update_repository',
  'DELETE /api/v1/marketplace/repositories/{repository_id}': 'remove_repository',
  'POST /api/v1/marketplace/repositories/{repository_id}/sync': 'sync_repository',
  'POST /api/v1/servers/{server_id}/apps': 'install_app',
  'POST /api/v1/servers/{server_id}/apps/custom': 'deploy_app',
  'GET /api/v1/apps/{installation_id}': 'check_status',
  'GET /api/v1/apps': 'list_apps',
  'POST /api/v1/apps/{installation_id}/start': 'start_app',
  'POST /api/v1/apps/{installation_id}/stop': 'stop_app',
  'POST /api/v1/apps/{installation_id}/restart': 'restart_app',
  'PATCH /api/v1/apps/{installation_id}': 'update_app',
  'DELETE /api/v1/apps/{installation_id}': 'uninstall_app',
  'GET /api/v1/apps/{installation_id}/logs': 'get_app_logs',
  'POST /api/v1/servers/{server_id}/apps/preflight': 'run_preflight_checks',
  'GET /api/v1/settings/{scope}/{key}': 'get_setting',
  'GET /api/v1/settings/{scope}': 'list_settings',
  'PUT /api/v1/settings/{scope}/{key}': 'update_setting',
  'DELETE /api/v1/settings/{scope}/{key}': 'reset_setting',
  'GET /api/v1/settings/audit': 'get_settings_audit',
  'POST /api/v1/retention/policies': 'create_policy',
  'GET /api/v1/retention/policies': 'list_policies',
  'PATCH /api/v1/retention/policies/{policy_id}': 'update_policy',
  'DELETE /api/v1/retention/policies/{policy_id}': 'delete_policy',
  'GET /api/v1/retention/preview': 'preview_retention',
  'POST /api/v1/retention/run': 'run_retention',
  'GET /api/v1/notifications': 'get_notifications',
  'POST /api/v1/notifications/{notification_id}/read': 'mark_read',
  'POST /api/v1/notifications/read-all': 'mark_all_read',
  'DELETE /api/v1/notifications/{notification_id}': 'dismiss_notification',
  'GET /api/v1/notifications/unread-count': 'get_unread_count',
  'GET /api/v1/notification-channels': 'list_notification_channels',
  'POST /api/v1/notification-channels': 'create_notification_channel',
  'PATCH /api/v1/notification-channels/{channel_id}': 'update_notification_channel',
  'DELETE /api/v1/notification-channels/{channel_id}': 'delete_notification_channel',
  'POST /api/v1/notification-channels/{channel_id}/test': 'test_notification_channel',
  'GET /api/v1/status': 'get_status',
  'GET /api/v1/servers/{server_id}/metrics': 'get_metrics',
  'GET /api/v1/servers/{server_id}/resources': 'get_resource_usage',
  'GET /api/v1/dashboard': 'get_dashboard',
  /** Prometheus text for the backend: any signed-in caller, like get_status. */
  'GET /metrics': 'get_status',
  'POST /api/v1/backups': 'create_backup',
  'GET /api/v1/backups': 'list_backups',
  'POST /api/v1/backups/{backup_id}/restore': 'restore_backup',
  'DELETE /api/v1/backups/{backup_id}': 'delete_backup',
  'GET /api/v1/backups/{backup_id}/download': 'list_backups',
  'POST /api/v1/backups/upload': 'create_backup',
  'GET /api/v1/logs': 'query_logs',
  'GET /api/v1/logs/sources/{source}': 'get_logs_by_source',
};

/** Operations on the caller's own credentials: each call gets its own fresh credential. */
const SPENDS_CREDENTIAL = new Set(['logout', 'terminate_session', 'revoke_api_token']);
/** Destructive tools a non-admin may use because they touch only the caller's own credentials. */
const OWN_CREDENTIAL_TOOLS = new Set(['revoke_api_token', 'terminate_session', 'logout']);
/**
 * Destructive tools TOOLS.md grants below admin: removing an app is a user's own operation;
 * dismissing a notification and resetting a setting touch only the caller's own objects
 * (a system setting still needs an admin).
 */
const USER_DESTRUCTIVE_TOOLS = new Set(['uninstall_app', 'dismiss_notification', 'reset_setting']);

const CALLERS = ['anonymous', 'readonly', 'user', 'admin', 'read-only token'] as const;
type Caller = (typeof CALLERS)[number];
const RANK: Record<Access, number> = { public: 0, readonly: 1, user: 2, admin: 3 };

/** What the policy must answer: the call goes through, or 401, or 403. */
function verdict(
  caller: Caller,
  access: Access,
  readOnlyOperation: boolean,
): 'allowed' | 401 | 403 {
  // A read-only token changes nothing, not even through a public operation (checklist 17).
  if (caller === 'read-only token' && !readOnlyOperation) return 403;
  if (access === 'public') return 'allowed';
  if (caller === 'anonymous') return 401;
  const role: Access = caller === 'read-only token' ? 'admin' : caller;
  return RANK[role] >= RANK[access] ? 'allowed' : 403;
}

const USERNAMES: Record<'readonly' | 'user', string> = {
  readonly: 'rita-reader',
  user: 'uma-user',
};

describe('permission matrix: every route and tool for every kind of caller', () => {
  let tomo: TestTomo;
  let adminToken: string;
  const tokens = new Map<Caller, string | null>();
  const clients = new Map<Caller, Client>();
  let adminTools: { name: string; inputSchema: any; annotations?: any }[];

  async function readOnlyToken(): Promise<string> {
    const created = await tomo.request('POST', '/api/v1/api-tokens', {
      token: adminToken,
      body: { name: `matrix ${randomUUID()}`, read_only: true },
    });
    expect(created.status).toBe(201);
    return created.body.token as string;
  }

  /** A credential of the caller kind that nothing else uses (for logout and the like). */
  async function freshToken(caller: Caller): Promise<string | null> {
    if (caller === 'anonymous') return null;
    if (caller === 'admin') return tomo.login(ADMIN_USERNAME, ADMIN_PASSWORD);
    if (caller === 'read-only token') return readOnlyToken();
    return tomo.login(USERNAMES[caller], GOOD_PASSWORD);
  }

  beforeAll(async () => {
    tomo = await TestTomo.start();
    adminToken = await tomo.login();
    tokens.set('anonymous', null);
    tokens.set('admin', adminToken);
    tokens.set(
      'readonly',
      (await tomo.createUser(USERNAMES.readonly, 'readonly', adminToken)).token,
    );
    tokens.set('user', (await tomo.createUser(USERNAMES.user, 'user', adminToken)).token);
    tokens.set('read-only token', await readOnlyToken());
    for (const caller of CALLERS) clients.set(caller, await tomo.mcp(tokens.get(caller)!, '2026'));
    adminTools = (await clients.get('admin')!.listTools()).tools;
  });

  afterAll(async () => {
    for (const client of clients.values()) await client.close();
    await tomo.stop();
  });

  describe('the contract table is complete', () => {
    it('tools/list for an admin names exactly the tools of the table', () => {
      expect(adminTools.map((t) => t.name).sort()).toEqual(Object.keys(TOOLS).sort());
    });

    it('the OpenAPI document lists exactly the routes of the table', async () => {
      const document = (await tomo.request('GET', '/api/openapi.json')).body;
      const operations = Object.entries<Record<string, unknown>>(document.paths).flatMap(
        ([path, item]) =>
          Object.keys(item)
            .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
            .map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(operations.sort()).toEqual(Object.keys(ROUTES).sort());
    });

    it('each tool is annotated as the table says and declares the TOOLS.md arguments', () => {
      for (const tool of adminTools) {
        const contract = TOOLS[tool.name]!;
        expect({ tool: tool.name, readOnlyHint: tool.annotations?.readOnlyHint }).toEqual({
          tool: tool.name,
          readOnlyHint: contract.readOnly,
        });
        const declared = Object.keys(tool.inputSchema.properties ?? {});
        expect({ tool: tool.name, declared }).toEqual({
          tool: tool.name,
          declared: expect.arrayContaining(contract.args),
        });
      }
    });

    it('every destructive tool requires admin, except those on the caller’s own credentials', () => {
      const destructive = adminTools.filter((t) => t.annotations?.destructiveHint === true);
      expect(destructive.length).toBeGreaterThan(0);
      for (const tool of destructive.filter(
        (t) => !OWN_CREDENTIAL_TOOLS.has(t.name) && !USER_DESTRUCTIVE_TOOLS.has(t.name),
      )) {
        expect({ tool: tool.name, access: TOOLS[tool.name]!.access }).toEqual({
          tool: tool.name,
          access: 'admin',
        });
      }
    });
  });

  describe.each(CALLERS)('REST as %s', (caller) => {
    it.each(Object.keys(ROUTES))('%s', async (route) => {
      const [method, template] = route.split(' ') as [string, string];
      const tool = ROUTES[route]!;
      const expected = verdict(caller, TOOLS[tool]!.access, method === 'GET');
      const token = SPENDS_CREDENTIAL.has(tool) ? await freshToken(caller) : tokens.get(caller);
      const path = template.replace(/\{[a-z_]+\}/g, () => randomUUID());
      const response = await tomo.request(method, path, {
        token: token ?? undefined,
        body: method === 'GET' ? undefined : {},
      });
      const seen = { route, caller, status: response.status, code: response.body?.code };
      if (expected === 'allowed') {
        expect([401, 403]).not.toContain(response.status);
        expect(response.status).toBeLessThan(500);
        return;
      }
      expect(seen).toEqual({
        route,
        caller,
        status: expected,
        code: expected === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      if (expected === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });
  });

  describe.each(CALLERS)('MCP (2026) as %s', (caller) => {
    it('tools/list shows exactly the tools this caller may call', async () => {
      const { tools } = await clients.get(caller)!.listTools();
      const expected = Object.entries(TOOLS)
        .filter(([, c]) => verdict(caller, c.access, c.readOnly) === 'allowed')
        .map(([name]) => name);
      expect(tools.map((t) => t.name).sort()).toEqual(expected.sort());
      if (caller === 'anonymous')
        expect(tools.every((t) => TOOLS[t.name]!.access === 'public')).toBe(true);
      if (caller === 'read-only token')
        expect(tools.filter((t) => !t.annotations?.readOnlyHint).map((t) => t.name)).toEqual([]);
    });

    it.each(Object.keys(TOOLS))('tools/call %s', async (name) => {
      const contract = TOOLS[name]!;
      const expected = verdict(caller, contract.access, contract.readOnly);
      const schema = adminTools.find((t) => t.name === name)!.inputSchema;
      const args = Object.fromEntries(
        (schema.required ?? [])
          .filter((field: string) => schema.properties[field]?.format === 'uuid')
          .map((field: string) => [field, randomUUID()]),
      );
      if (expected === 401) {
        const response = await rawMcpToolCall(tomo.url, null, name, args);
        expect({ name, status: response.status }).toEqual({ name, status: 401 });
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        await expect(clients.get(caller)!.callTool({ name, arguments: args })).rejects.toThrow();
        return;
      }
      const spends = SPENDS_CREDENTIAL.has(name);
      const client = spends
        ? await tomo.mcp(await freshToken(caller), '2026')
        : clients.get(caller)!;
      try {
        const result = await client.callTool({ name, arguments: args });
        const code = (result.structuredContent as { code?: string } | undefined)?.code;
        if (expected === 'allowed') {
          expect({ name, caller, code }).not.toEqual({ name, caller, code: 'FORBIDDEN' });
          expect({ name, caller, code }).not.toEqual({ name, caller, code: 'UNAUTHORIZED' });
          expect(code).not.toBe('INTERNAL');
        } else {
          expect({ name, caller, isError: result.isError, code }).toEqual({
            name,
            caller,
            isError: true,
            code: 'FORBIDDEN',
          });
        }
      } finally {
        if (spends) await client.close();
      }
    });
  });

  describe('unknown routes and methods', () => {
    it('an unknown path gives 404 problem+json, with or without credentials', async () => {
      for (const token of [undefined, adminToken]) {
        for (const path of ['/api/v1/nope', '/api/v2/users', '/api/v1/users/x/y/z', '/admin']) {
          const response = await tomo.request('GET', path, { token });
          expect({ path, status: response.status, code: response.body?.code }).toEqual({
            path,
            status: 404,
            code: 'NOT_FOUND',
          });
          expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        }
      }
    });

    it('a method a known path does not declare is never 2xx', async () => {
      const declared = new Map<string, Set<string>>();
      for (const route of Object.keys(ROUTES)) {
        const [method, template] = route.split(' ') as [string, string];
        declared.set(template, (declared.get(template) ?? new Set()).add(method));
      }
      for (const [template, methods] of declared) {
        const path = template.replace(/\{[a-z_]+\}/g, () => randomUUID());
        for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
          (m) => !methods.has(m),
        )) {
          const response = await tomo.request(method, path, {
            token: adminToken,
            body: method === 'GET' ? undefined : {},
          });
          expect({ method, template, ok: response.status < 300 }).toEqual({
            method,
            template,
            ok: false,
          });
        }
      }
    });
  });
});
