import { BackupSchedule } from './backup-schedule';
import type { BackupService } from './backup.service';
import type { SettingsService } from '../settings/settings.service';

const HOUR = 3_600_000;

describe('BackupSchedule', () => {
  let values: Record<string, unknown>;
  let scheduled: { id: string; createdAt: string }[];
  let created: (string | null)[];
  let deleted: string[][];
  let schedule: BackupSchedule;

  beforeEach(() => {
    values = {
      'backup.schedule_enabled': true,
      'backup.interval_hours': 24,
      'backup.keep': 2,
      'backup.schedule_passphrase': '',
    };
    scheduled = [];
    created = [];
    deleted = [];
    const settings = { get: (key: string) => values[key] } as unknown as SettingsService;
    const backups = {
      idsByTrigger: () =>
        Promise.resolve([...scheduled].sort((a, b) => b.createdAt.localeCompare(a.createdAt))),
      createScheduled: (passphrase: string | null) => {
        created.push(passphrase);
        scheduled.push({ id: `b${scheduled.length}`, createdAt: new Date(now).toISOString() });
        return Promise.resolve();
      },
      deleteMany: (ids: string[]) => {
        deleted.push(ids);
        scheduled = scheduled.filter((row) => !ids.includes(row.id));
        return Promise.resolve(ids.length);
      },
    } as unknown as BackupService;
    schedule = new BackupSchedule(settings, backups);
  });

  let now = Date.parse('2026-11-25T00:00:00Z');

  it('does nothing while disabled', async () => {
    values['backup.schedule_enabled'] = false;
    expect(await schedule.tick(now)).toBe('disabled');
    expect(created).toEqual([]);
  });

  it('creates one at once, then one per interval, keeping the newest N scheduled ones', async () => {
    expect(await schedule.tick(now)).toBe('created');
    expect(await schedule.tick(now + HOUR)).toBe('not-due');
    for (let day = 1; day <= 3; day++) {
      now += 24 * HOUR;
      expect(await schedule.tick(now)).toBe('created');
    }
    expect(created).toHaveLength(4);
    // The two newest survive; the two oldest were deleted.
    expect(scheduled.map((row) => row.createdAt)).toEqual([
      new Date(now - 24 * HOUR).toISOString(),
      new Date(now).toISOString(),
    ]);
    expect(deleted.flat()).toHaveLength(2);
  });

  it('reads the settings at each tick: interval, keep and passphrase changes apply at once', async () => {
    values['backup.schedule_passphrase'] = 'a scheduled passphrase';
    expect(await schedule.tick(now)).toBe('created');
    values['backup.interval_hours'] = 1;
    now += HOUR;
    expect(await schedule.tick(now)).toBe('created');
    values['backup.keep'] = 1;
    values['backup.schedule_passphrase'] = '';
    now += HOUR;
    expect(await schedule.tick(now)).toBe('created');
    expect(created).toEqual(['a scheduled passphrase', 'a scheduled passphrase', null]);
    expect(scheduled).toHaveLength(1);
  });

  it('survives a failed backup and tries again at the next tick', async () => {
    const failing = schedule as unknown as { backups: { createScheduled: () => Promise<void> } };
    const original = failing.backups.createScheduled;
    failing.backups.createScheduled = () => Promise.reject(new Error('disk full'));
    expect(await schedule.tick(now)).toBe('failed');
    failing.backups.createScheduled = original;
    expect(await schedule.tick(now)).toBe('created');
  });
});
