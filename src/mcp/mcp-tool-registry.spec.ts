import { Injectable, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import type { Principal } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { McpTool, McpToolOptions, READ_ONLY, WRITE } from './mcp-tool.decorator';
import { McpToolRegistry } from './mcp-tool-registry';

class EchoDto {
  @IsString()
  text!: string;
}

const base: McpToolOptions = {
  name: 'echo',
  description: 'Echo the text.',
  access: 'user',
  toolset: 'auth',
  input: EchoDto,
  annotations: READ_ONLY,
};

function providerWith(...tools: Partial<McpToolOptions>[]): Type<object> {
  @Injectable()
  class Provider {}
  tools.forEach((tool, index) => {
    const name = `method${index}`;
    Object.defineProperty(Provider.prototype, name, {
      value: () => Promise.resolve({ ok: true }),
      writable: true,
    });
    McpTool({ ...base, ...tool })(
      Provider.prototype,
      name,
      Object.getOwnPropertyDescriptor(Provider.prototype, name)!,
    );
  });
  return Provider;
}

async function registryFor(provider: Type<object>): Promise<McpToolRegistry> {
  const module = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [provider, McpToolRegistry],
  }).compile();
  await module.init();
  return module.get(McpToolRegistry);
}

const principal = (role: Principal['role'], readOnly = false): Principal => ({
  kind: 'user',
  userId: 'u',
  username: 'u',
  role,
  readOnly,
});

describe('McpToolRegistry', () => {
  it('discovers decorated methods with their input schema', async () => {
    const registry = await registryFor(providerWith({}));
    const tool = registry.get('echo');
    expect(tool?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
      additionalProperties: false,
    });
  });

  it.each<[string, Partial<McpToolOptions>]>([
    ['a missing role', { access: undefined }],
    ['a missing input DTO', { input: undefined }],
    [
      'a missing annotation',
      { annotations: { ...READ_ONLY, openWorldHint: undefined as unknown as boolean } },
    ],
    ['an unknown toolset', { toolset: 'nope' as McpToolOptions['toolset'] }],
    ['a name that is not snake_case', { name: 'EchoTool' }],
  ])('refuses to start for a tool with %s', async (_label, broken) => {
    await expect(registryFor(providerWith(broken))).rejects.toThrow(/MCP tool .* is invalid/);
  });

  it('refuses to start for two tools with the same name', async () => {
    await expect(registryFor(providerWith({}, {}))).rejects.toThrow(/already registered/);
  });

  it('lists to each caller only what their role and token allow', async () => {
    const registry = await registryFor(
      providerWith(
        { name: 'read_thing', access: 'readonly', input: EmptyDto },
        { name: 'write_thing', access: 'user', input: EmptyDto, annotations: WRITE },
        { name: 'admin_thing', access: 'admin', input: EmptyDto },
        { name: 'public_thing', access: 'public', input: EmptyDto },
      ),
    );
    const names = (p: Principal | null, readOnlyOnly = false) =>
      registry.listFor(p, { toolsets: [], readOnlyOnly }).map((t) => t.name);
    expect(names(null)).toEqual(['public_thing']);
    expect(names(principal('readonly'))).toEqual(['public_thing', 'read_thing']);
    expect(names(principal('user'))).toEqual(['public_thing', 'read_thing', 'write_thing']);
    expect(names(principal('admin'))).toEqual([
      'admin_thing',
      'public_thing',
      'read_thing',
      'write_thing',
    ]);
    expect(names(principal('admin', true))).toEqual(['admin_thing', 'public_thing', 'read_thing']);
    expect(names(principal('admin'), true)).toEqual(['admin_thing', 'public_thing', 'read_thing']);
  });

  it('computes each role list once and returns the same array on every call', async () => {
    const registry = await registryFor(providerWith({}));
    const filter = { toolsets: [], readOnlyOnly: false };
    expect(registry.listFor(principal('user'), filter)).toBe(
      registry.listFor(principal('user'), filter),
    );
  });
});
