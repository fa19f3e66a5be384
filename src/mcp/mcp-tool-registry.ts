import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { mayCall } from '../common/auth/access-policy';
import type { Principal } from '../common/auth/principal';
import { ROLES } from '../common/auth/roles';
import { dtoJsonSchema } from '../common/validation/json-schema';
import { MCP_TOOL_METADATA, McpToolOptions } from './mcp-tool.decorator';
import { ListedTool, RegisteredTool } from './registered-tool';
import { TOOLSETS } from './toolsets';

const TOOL_NAME = /^[a-z][a-z0-9_]{1,63}$/;

/** What narrows a caller's tools/list beyond their role. */
export interface ToolFilter {
  toolsets: readonly string[];
  readOnlyOnly: boolean;
}

/**
 * Finds every `@McpTool` method at bootstrap. Refuses to start on a duplicate name or a
 * declaration without a role, toolset, input DTO or annotations. Computes each role's
 * tools/list once; requests only filter those lists.
 */
@Injectable()
export class McpToolRegistry implements OnModuleInit {
  private readonly tools = new Map<string, RegisteredTool>();
  private readonly listsByCaller = new Map<string, ListedTool[]>();
  private publicList: ListedTool[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const options = this.reflector.get<McpToolOptions | undefined>(MCP_TOOL_METADATA, method);
        if (options)
          this.register(
            options,
            instance as Record<string, unknown>,
            methodName,
            String(wrapper.name),
          );
      }
    }
    this.buildLists();
  }

  private register(
    options: McpToolOptions,
    instance: Record<string, unknown>,
    methodName: string,
    owner: string,
  ): void {
    const where = `${owner}.${methodName}`;
    const problems: string[] = [];
    if (!TOOL_NAME.test(options.name ?? ''))
      problems.push(`name "${options.name}" is not snake_case`);
    if (this.tools.has(options.name)) problems.push(`name "${options.name}" is already registered`);
    if (!options.access) problems.push('no role (access)');
    if (!TOOLSETS.includes(options.toolset)) problems.push(`unknown toolset "${options.toolset}"`);
    if (typeof options.input !== 'function') problems.push('no input DTO class');
    if (!options.description?.trim()) problems.push('no description');
    const annotations = options.annotations ?? {};
    for (const hint of [
      'readOnlyHint',
      'destructiveHint',
      'idempotentHint',
      'openWorldHint',
    ] as const) {
      if (typeof annotations[hint] !== 'boolean') problems.push(`annotation ${hint} not set`);
    }
    if (problems.length)
      throw new Error(`MCP tool at ${where} is invalid: ${problems.join('; ')}.`);

    const inputSchema = dtoJsonSchema(options.input);
    const listing: ListedTool = {
      name: options.name,
      ...(options.title ? { title: options.title } : {}),
      description: options.description,
      inputSchema,
      ...(options.output ? { outputSchema: options.output } : {}),
      annotations: { ...options.annotations },
    };
    this.tools.set(options.name, {
      options,
      inputSchema,
      listing,
      // Bound at call time so that a spy installed on the provider still sees the call.
      invoke: (actor, input) =>
        (instance[methodName] as (...args: unknown[]) => Promise<unknown>).call(
          instance,
          actor,
          input,
        ),
    });
  }

  private buildLists(): void {
    const all = [...this.tools.values()].sort((a, b) =>
      a.options.name.localeCompare(b.options.name),
    );
    this.publicList = all.filter((t) => t.options.access === 'public').map((t) => t.listing);
    for (const role of ROLES) {
      for (const readOnly of [false, true]) {
        const principal: Principal = { kind: 'user', userId: '', username: '', role, readOnly };
        this.listsByCaller.set(
          `${role}:${readOnly}`,
          all
            .filter((t) => mayCall(principal, t.options.access, t.options.annotations.readOnlyHint))
            .map((t) => t.listing),
        );
      }
    }
  }

  get(name: string): RegisteredTool | undefined {
    return this.tools.get(name);
  }

  all(): RegisteredTool[] {
    return [...this.tools.values()];
  }

  /** The tools a caller may use, narrowed by toolsets and the read-only switch. */
  listFor(principal: Principal | null, filter: ToolFilter): ListedTool[] {
    const base = principal
      ? (this.listsByCaller.get(`${principal.role}:${principal.readOnly}`) ?? [])
      : this.publicList;
    if (!filter.toolsets.length && !filter.readOnlyOnly) return base;
    return base.filter((listed) => {
      const tool = this.tools.get(listed.name);
      if (!tool) return false;
      if (filter.readOnlyOnly && !tool.options.annotations.readOnlyHint) return false;
      return !filter.toolsets.length || filter.toolsets.includes(tool.options.toolset);
    });
  }
}
