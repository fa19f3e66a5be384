import { Foundation1764028800000 } from '../../migrations/1764028800000-foundation';

/** Migrations in the order they apply. Listed explicitly so the build needs no globbing. */
export const MIGRATIONS = [Foundation1764028800000];
