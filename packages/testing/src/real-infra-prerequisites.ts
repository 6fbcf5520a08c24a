import path from 'node:path';
import { isExecutable } from './executables.ts';
import { POSTGRES_BIN } from './postgres-cluster.ts';

export type RealInfraKind = 'postgres' | 'pubsub';

const PREREQUISITES: Record<RealInfraKind, { commands: string[]; install: string }> = {
  postgres: {
    commands: [path.join(POSTGRES_BIN, 'initdb'), path.join(POSTGRES_BIN, 'pg_ctl')],
    install: 'postgresql-15 (initdb)',
  },
  pubsub: { commands: ['gcloud', 'java'], install: 'the Google Cloud SDK pubsub emulator (gcloud, java)' },
};

/** Why the real tier cannot run here (the one line to print), or null when everything is installed. */
export function missingRealInfra(wanted: readonly RealInfraKind[]): string | null {
  const missing = wanted.filter((kind) => !PREREQUISITES[kind].commands.every(isExecutable));
  if (missing.length === 0) return null;
  return `[nlyzer] real-infra tier skipped: install ${missing.map((kind) => PREREQUISITES[kind].install).join(' and ')}`;
}
