/** The groups `X-MCP-Toolsets` (or MCP_TOOLSETS) selects from; TOOLS.md names each tool's group. */
export const TOOLSETS = [
  'auth',
  'servers',
  'agents',
  'apps',
  'marketplace',
  'settings',
  'notifications',
  'monitoring',
  'backup',
  'audit',
] as const;
export type Toolset = (typeof TOOLSETS)[number];
