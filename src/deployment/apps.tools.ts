import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { DESTRUCTIVE, McpTool, READ_ONLY, WRITE } from '../mcp/mcp-tool.decorator';
import { AppsService } from './apps.service';
import {
  INSTALLATION_LIST_SCHEMA,
  INSTALLATION_SCHEMA,
  LOGS_SCHEMA,
  PREFLIGHT_SCHEMA,
} from './apps.views';
import {
  AppLogsDto,
  DeployAppDto,
  InstallAppDto,
  InstallationIdDto,
  ListAppsDto,
  PreflightDto,
  UninstallAppDto,
  UpdateAppDto,
} from './dto/app.dto';

const RUNS = { ...WRITE, openWorldHint: true, idempotentHint: false };

@Injectable()
export class AppsTools {
  constructor(private readonly apps: AppsService) {}

  @McpTool({
    name: 'install_app',
    description:
      'Install a catalog app on a server: pull, create its network, volumes and containers, start them in order and wait until healthy; on failure everything created is removed and the installation is "failed" with the step and the reason. Reports progress.',
    access: 'user',
    toolset: 'apps',
    input: InstallAppDto,
    output: INSTALLATION_SCHEMA,
    annotations: RUNS,
  })
  installApp(actor: Actor, input: InstallAppDto) {
    return this.apps.install(actor, input);
  }

  @McpTool({
    name: 'deploy_app',
    description:
      'Deploy an app from a manifest given inline (a custom app), as install_app does for catalog apps.',
    access: 'user',
    toolset: 'apps',
    input: DeployAppDto,
    output: INSTALLATION_SCHEMA,
    annotations: RUNS,
  })
  deployApp(actor: Actor, input: DeployAppDto) {
    return this.apps.deploy(actor, input);
  }

  @McpTool({
    name: 'check_status',
    description:
      "An installation's status and its containers as Docker reports them now (a container removed by hand shows up).",
    access: 'readonly',
    toolset: 'apps',
    input: InstallationIdDto,
    output: INSTALLATION_SCHEMA,
    annotations: { ...READ_ONLY, openWorldHint: true },
  })
  checkStatus(_actor: Actor, input: InstallationIdDto) {
    return this.apps.status(input);
  }

  @McpTool({
    name: 'list_apps',
    description: 'Installed apps, optionally of one server or with one status.',
    access: 'readonly',
    toolset: 'apps',
    input: ListAppsDto,
    output: INSTALLATION_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listApps(_actor: Actor, input: ListAppsDto) {
    return this.apps.list(input);
  }

  @McpTool({
    name: 'start_app',
    description: "Start an installed app's containers in dependency order.",
    access: 'user',
    toolset: 'apps',
    input: InstallationIdDto,
    output: INSTALLATION_SCHEMA,
    annotations: { ...WRITE, openWorldHint: true },
  })
  startApp(actor: Actor, input: InstallationIdDto) {
    return this.apps.start(actor, input);
  }

  @McpTool({
    name: 'stop_app',
    description: "Stop an installed app's containers (dependents first); data stays.",
    access: 'user',
    toolset: 'apps',
    input: InstallationIdDto,
    output: INSTALLATION_SCHEMA,
    annotations: { ...WRITE, openWorldHint: true },
  })
  stopApp(actor: Actor, input: InstallationIdDto) {
    return this.apps.stop(actor, input);
  }

  @McpTool({
    name: 'restart_app',
    description: "Restart an installed app's containers.",
    access: 'user',
    toolset: 'apps',
    input: InstallationIdDto,
    output: INSTALLATION_SCHEMA,
    annotations: { ...WRITE, openWorldHint: true },
  })
  restartApp(actor: Actor, input: InstallationIdDto) {
    return this.apps.restart(actor, input);
  }

  @McpTool({
    name: 'update_app',
    description:
      "Move an installed app to the catalog's newer version and/or a changed config: pull, stop the current containers, start new ones and wait until healthy; if they fail, they are removed and the previous containers start again (the installation keeps its version, with the reason in error). Data volumes are kept. Reports progress.",
    access: 'user',
    toolset: 'apps',
    input: UpdateAppDto,
    output: INSTALLATION_SCHEMA,
    annotations: RUNS,
  })
  updateApp(actor: Actor, input: UpdateAppDto) {
    return this.apps.update(actor, input);
  }

  @McpTool({
    name: 'uninstall_app',
    description:
      "Remove an installed app's containers and network; its volumes (data) stay unless remove_volumes is true. The record stays as removed.",
    access: 'user',
    toolset: 'apps',
    input: UninstallAppDto,
    output: INSTALLATION_SCHEMA,
    annotations: { ...DESTRUCTIVE, openWorldHint: true },
  })
  uninstallApp(actor: Actor, input: UninstallAppDto) {
    return this.apps.uninstall(actor, input);
  }

  @McpTool({
    name: 'get_app_logs',
    description: "The last lines of an installed app's container logs (main service by default).",
    access: 'readonly',
    toolset: 'apps',
    input: AppLogsDto,
    output: LOGS_SCHEMA,
    annotations: { ...READ_ONLY, openWorldHint: true },
  })
  getAppLogs(_actor: Actor, input: AppLogsDto) {
    return this.apps.logs(input);
  }

  @McpTool({
    name: 'run_preflight_checks',
    description:
      'What install_app checks before it changes anything: Docker answers, the CPU architecture the app supports, free disk and memory, its host ports free, its config valid.',
    access: 'user',
    toolset: 'apps',
    input: PreflightDto,
    output: PREFLIGHT_SCHEMA,
    annotations: { ...READ_ONLY, openWorldHint: true },
  })
  runPreflightChecks(actor: Actor, input: PreflightDto) {
    return this.apps.preflight(actor, input);
  }
}
