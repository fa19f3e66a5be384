import { Foundation1764028800000 } from '../../migrations/1764028800000-foundation';
import { Servers1764115200000 } from '../../migrations/1764115200000-servers';
import { Agents1764201600000 } from '../../migrations/1764201600000-agents';
import { Metrics1764288000000 } from '../../migrations/1764288000000-metrics';
import { Marketplace1764374400000 } from '../../migrations/1764374400000-marketplace';
import { InstalledApps1764460800000 } from '../../migrations/1764460800000-installed-apps';
import { InstallationUpdates1764547200000 } from '../../migrations/1764547200000-installation-updates';

/** Migrations in the order they apply. Listed explicitly so the build needs no globbing. */
export const MIGRATIONS = [
  Foundation1764028800000,
  Servers1764115200000,
  Agents1764201600000,
  Metrics1764288000000,
  Marketplace1764374400000,
  InstalledApps1764460800000,
  InstallationUpdates1764547200000,
];
