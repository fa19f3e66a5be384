import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { DESTRUCTIVE, IDEMPOTENT_WRITE, McpTool, READ_ONLY } from '../mcp/mcp-tool.decorator';
import {
  GetSettingDto,
  ListSettingsDto,
  ResetSettingDto,
  SettingsAuditQueryDto,
  UpdateSettingDto,
} from './dto/setting.dto';
import { SettingsService } from './settings.service';
import { SETTING_LIST_SCHEMA, SETTING_SCHEMA, SETTINGS_AUDIT_SCHEMA } from './settings.views';

@Injectable()
export class SettingsTools {
  constructor(private readonly settings: SettingsService) {}

  @McpTool({
    name: 'get_setting',
    description:
      'One setting with its value, default, type, rules and version. scope "user" gives your own value of a user setting. Admin-only values read as null for non-admins; secrets only say is_set.',
    access: 'readonly',
    toolset: 'settings',
    input: GetSettingDto,
    output: SETTING_SCHEMA,
    annotations: READ_ONLY,
  })
  getSetting(actor: Actor, input: GetSettingDto) {
    return this.settings.getSetting(actor, input);
  }

  @McpTool({
    name: 'list_settings',
    description:
      'Every setting of a scope ("system" by default, or "user": your preferences), sorted by key, optionally of one category.',
    access: 'readonly',
    toolset: 'settings',
    input: ListSettingsDto,
    output: SETTING_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listSettings(actor: Actor, input: ListSettingsDto) {
    return this.settings.listSettings(actor, input);
  }

  @McpTool({
    name: 'update_setting',
    description:
      'Change a setting; it applies at once, without a restart. System settings need an admin; user settings (scope "user") change only your own value. Pass expected_version to refuse the change if someone changed it since you read it.',
    access: 'readonly',
    toolset: 'settings',
    input: UpdateSettingDto,
    output: SETTING_SCHEMA,
    annotations: IDEMPOTENT_WRITE,
  })
  updateSetting(actor: Actor, input: UpdateSettingDto) {
    return this.settings.updateSetting(actor, input);
  }

  @McpTool({
    name: 'reset_setting',
    description:
      'Put a setting back to its default (system settings need an admin; scope "user" resets your own value).',
    access: 'readonly',
    toolset: 'settings',
    input: ResetSettingDto,
    output: SETTING_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  resetSetting(actor: Actor, input: ResetSettingDto) {
    return this.settings.resetSetting(actor, input);
  }

  @McpTool({
    name: 'get_settings_audit',
    description:
      'Changes of settings, newest first (who, when, old and new value; secrets shown as "[secret]"), with chain_valid: whether the checksum chain over all rows is intact.',
    access: 'admin',
    toolset: 'settings',
    input: SettingsAuditQueryDto,
    output: SETTINGS_AUDIT_SCHEMA,
    annotations: READ_ONLY,
  })
  getSettingsAudit(_actor: Actor, input: SettingsAuditQueryDto) {
    return this.settings.auditTrail(input);
  }
}
