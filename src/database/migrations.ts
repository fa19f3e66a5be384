import { Foundation1764028800000 } from '../../migrations/1764028800000-foundation';
import { Servers1764115200000 } from '../../migrations/1764115200000-servers';
import { Agents1764201600000 } from '../../migrations/1764201600000-agents';
import { Metrics1764288000000 } from '../../migrations/1764288000000-metrics';
import { Marketplace1764374400000 } from '../../migrations/1764374400000-marketplace';
import { InstalledApps1764460800000 } from '../../migrations/1764460800000-installed-apps';
import { InstallationUpdates1764547200000 } from '../../migrations/1764547200000-installation-updates';
import { Settings1764633600000 } from '../../migrations/1764633600000-settings';
import { Logs1764720000000 } from '../../migrations/1764720000000-logs';
import { Notifications1764806400000 } from '../../migrations/1764806400000-notifications';
import { Backups1764892800000 } from '../../migrations/1764892800000-backups';
import { Retention1764979200000 } from '../../migrations/1764979200000-retention';
import { Monitoring1765065600000 } from '../../migrations/1765065600000-system-info';
import { InstallationDataRoot1765152000000 } from '../../migrations/1765152000000-installation-data-root';

/** Migrations in the order they apply. Listed explicitly so the build needs no globbing. */
export const MIGRATIONS = [
  Foundation1764028800000,
  Servers1764115200000,
  Agents1764201600000,
  Metrics1764288000000,
  Marketplace1764374400000,
  InstalledApps1764460800000,
  InstallationUpdates1764547200000,
  Settings1764633600000,
  Logs1764720000000,
  Notifications1764806400000,
  Backups1764892800000,
  Retention1764979200000,
  Monitoring1765065600000,
  InstallationDataRoot1765152000000,
];
