import type { MigrationSet } from '@nlyzer/db';

export const schedulerMigrations: MigrationSet = {
  schema: 'scheduler',
  folder: new URL('../migrations/', import.meta.url),
};
