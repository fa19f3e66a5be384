import { DomainError } from '../common/errors/domain-error';
import { SETTING_DEFINITIONS, SettingDefinition, SettingKey } from './setting-definitions';
import { checkSettingValue, decodeSettingValue, encodeSettingValue } from './setting-values';

const check = (key: SettingKey, value: unknown) =>
  checkSettingValue(key, SETTING_DEFINITIONS[key], value);

/** The VALIDATION_FAILED message of a refused value. */
function refusal(key: SettingKey, value: unknown): string {
  try {
    check(key, value);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    return (error as DomainError).message;
  }
  throw new Error(`${key} accepted ${JSON.stringify(value)}`);
}

describe('setting values are typed and checked against their rules', () => {
  it('accepts a value of the right type within the rules, unchanged', () => {
    expect(check('security.max_login_attempts', 1)).toBe(1);
    expect(check('security.max_login_attempts', 100)).toBe(100);
    expect(check('agent.auto_update', false)).toBe(false);
    expect(check('ui.theme', 'dark')).toBe('dark');
    expect(check('apps.data_root', '/srv/tomo-apps')).toBe('/srv/tomo-apps');
    expect(check('ui.timezone', 'America/Argentina/Buenos_Aires')).toBe(
      'America/Argentina/Buenos_Aires',
    );
    expect(check('backup.schedule_passphrase', 'correct horse')).toBe('correct horse');
  });

  it('names the key and the rule when an integer is out of range', () => {
    expect(refusal('security.max_login_attempts', 0)).toBe(
      'security.max_login_attempts must be an integer from 1 to 100; got 0',
    );
    expect(refusal('security.account_lockout_duration', 86_401)).toBe(
      'security.account_lockout_duration must be an integer from 60 to 86400 (seconds); got 86401',
    );
  });

  it('refuses a number written as a string, a fraction, and other types', () => {
    expect(refusal('security.max_login_attempts', '5')).toBe(
      'security.max_login_attempts must be an integer from 1 to 100; got "5" (a string); send the number without quotes',
    );
    expect(refusal('security.max_login_attempts', 2.5)).toMatch(/must be an integer.*got 2\.5$/);
    expect(refusal('security.max_login_attempts', true)).toMatch(/got true$/);
    expect(refusal('security.max_login_attempts', [5])).toMatch(/got an array$/);
    expect(refusal('security.max_login_attempts', { value: 5 })).toMatch(/got an object$/);
    expect(refusal('security.max_login_attempts', null)).toMatch(/got null$/);
  });

  it('refuses "true" and 1 for a boolean', () => {
    expect(refusal('agent.auto_update', 'true')).toBe(
      'agent.auto_update must be true or false (a JSON boolean); got "true" (a string)',
    );
    expect(refusal('agent.auto_update', 1)).toMatch(/got 1$/);
  });

  it('lists the allowed values of an enum', () => {
    expect(refusal('ui.theme', 'purple')).toBe(
      'ui.theme must be one of: system, light, dark; got "purple" (a string)',
    );
    expect(refusal('ui.theme', 'DARK')).toMatch(/one of/);
  });

  it('checks a string against its pattern and length', () => {
    expect(refusal('apps.data_root', 'srv/apps')).toMatch(
      /^apps\.data_root must be an absolute path/,
    );
    expect(refusal('apps.data_root', '/srv/../etc')).toMatch(/without "\.\." parts/);
    expect(refusal('apps.data_root', '')).toBe(
      'apps.data_root must be 1 to 255 characters long; got 0',
    );
    expect(refusal('apps.data_root', `/${'a'.repeat(300)}`)).toMatch(/1 to 255 characters/);
    expect(refusal('ui.timezone', 'Europe/Berlin; rm -rf /')).toMatch(/IANA time zone/);
  });

  it('never echoes a secret in its error', () => {
    const tooLong = 'hunter2'.repeat(200);
    const message = refusal('backup.schedule_passphrase', tooLong);
    expect(message).not.toContain('hunter2');
    expect(message).toMatch(/1 to 1024 characters long \(reset_setting clears it\)/);
    expect(refusal('backup.schedule_passphrase', 12345)).toBe(
      'backup.schedule_passphrase is a secret and must be a string; got a number',
    );
    expect(refusal('backup.schedule_passphrase', '')).not.toContain('""');
  });

  it('stores JSON and reads back only what today\u2019s rules accept', () => {
    const definition = SETTING_DEFINITIONS['security.max_login_attempts'] as SettingDefinition;
    expect(encodeSettingValue(7)).toBe('7');
    expect(decodeSettingValue('security.max_login_attempts', definition, '7')).toBe(7);
    expect(decodeSettingValue('security.max_login_attempts', definition, '"7"')).toBeNull();
    expect(decodeSettingValue('security.max_login_attempts', definition, '1000')).toBeNull();
    expect(decodeSettingValue('security.max_login_attempts', definition, 'not json')).toBeNull();
  });

  it('every default obeys its own rules', () => {
    const config = {
      sessionIdleTimeoutSeconds: 3600,
      agentHeartbeatIntervalSeconds: 30,
      agentHeartbeatTimeoutSeconds: 90,
      agentRegistrationCodeTtlSeconds: 86_400,
      serverCheckIntervalSeconds: 300,
      marketplaceSyncIntervalMinutes: 1440,
      marketplaceAllowPrivateSources: false,
      appsDataRoot: '/srv/tomo/apps',
    };
    for (const [key, definition] of Object.entries(SETTING_DEFINITIONS) as [
      SettingKey,
      SettingDefinition,
    ][]) {
      const fallback: unknown =
        typeof definition.default === 'function'
          ? (definition.default as (c: typeof config) => unknown)(config)
          : definition.default;
      if (definition.type === 'secret') {
        expect({ key, fallback }).toEqual({ key, fallback: '' });
        continue;
      }
      expect({ key, ok: check(key, fallback) === fallback }).toEqual({ key, ok: true });
    }
  });
});
