import { type DeadLetter, isBusError, listDeadLetters, replayDeadLetter } from '@nlyzer/bus';
import { type Database, sqlState } from '@nlyzer/db';
import type { Env } from '@nlyzer/service-kit';
import { loadCommandConfig } from '../runtime/cli-config.ts';
import { CliError } from '../runtime/cli-error.ts';
import { openCommandDatabase } from '../runtime/command-database.ts';
import { type CommandIo, createItemProgress, formatColumns, writeLine } from '../runtime/console-output.ts';

export interface DlqListOptions {
  subscription?: string;
  json?: boolean;
}

export interface DlqReplayOptions {
  ids: string[];
  all?: boolean;
  subscription?: string;
}

export interface ReplayOutcome {
  replayed: number[];
  failed: { id: number; error: string }[];
}

/** Enough for any backlog `--all` will meet; beyond it, run replay again. */
const REPLAY_ALL_LIMIT = 100_000;
const UNDEFINED_TABLE = '42P01';
/** `set role nlyzer_app` before the base migration created the role. */
const INVALID_PARAMETER_VALUE = '22023';

function isUnmigrated(err: unknown): boolean {
  const state = sqlState(err);
  return (
    state === UNDEFINED_TABLE ||
    (state === INVALID_PARAMETER_VALUE && err instanceof Error && /role .* does not exist/.test(err.message))
  );
}

function shorten(text: string, max: number): string {
  const line = text.replaceAll(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The bus tables are missing on a database nobody migrated: say so instead of a SQL error. */
async function withBusTables<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUnmigrated(err)) {
      throw new CliError(
        'database_not_migrated',
        'the database has no bus tables yet: run `nlyzer migrate` first',
      );
    }
    throw err;
  }
}

export async function listDeadLettersTo(
  db: Database,
  options: DlqListOptions,
  io: CommandIo,
): Promise<DeadLetter[]> {
  const letters = await withBusTables(() =>
    listDeadLetters(db, options.subscription === undefined ? {} : { subscription: options.subscription }),
  );
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(letters, null, 2));
  } else if (letters.length === 0) {
    writeLine(io.stdout, 'no dead letters');
  } else {
    const rows = letters.map((letter) => [
      String(letter.id),
      letter.subscription,
      letter.topic,
      letter.eventId ?? '-',
      String(letter.attempts),
      shorten(letter.reason, 60),
      letter.createdAt.toISOString(),
    ]);
    const header = ['ID', 'SUBSCRIPTION', 'TOPIC', 'EVENT ID', 'ATTEMPTS', 'REASON', 'CREATED'];
    for (const line of formatColumns([header, ...rows])) writeLine(io.stdout, line);
  }
  return letters;
}

function parseIds(ids: readonly string[]): number[] {
  return ids.map((id) => {
    if (!/^\d+$/.test(id)) throw new CliError('invalid_arguments', `dead letter ids are numbers, got ${id}`);
    return Number(id);
  });
}

/**
 * Replays the given dead letters (or all not yet replayed, of one subscription with
 * --subscription) into the outbox; the running services' relays deliver them to their
 * subscription only. One failure does not stop the others.
 */
export async function replayDeadLettersTo(
  db: Database,
  options: DlqReplayOptions,
  io: CommandIo,
): Promise<ReplayOutcome> {
  if (options.all === options.ids.length > 0) {
    throw new CliError('invalid_arguments', 'give dead letter ids or --all (not both)');
  }
  const ids = options.all
    ? (
        await withBusTables(() =>
          listDeadLetters(db, {
            limit: REPLAY_ALL_LIMIT,
            ...(options.subscription === undefined ? {} : { subscription: options.subscription }),
          }),
        )
      )
        .map((letter) => letter.id)
        .reverse()
    : parseIds(options.ids);
  const outcome: ReplayOutcome = { replayed: [], failed: [] };
  const progress = createItemProgress(ids.length, io.stderr);
  for (const id of ids) {
    try {
      await withBusTables(() => replayDeadLetter(db, id));
      outcome.replayed.push(id);
    } catch (err) {
      if (!isBusError(err) && !(err instanceof CliError)) throw err;
      outcome.failed.push({ id, error: `${err.code}: ${err.message}` });
    }
    progress.tick();
  }
  progress.finish();
  if (ids.length === 0) writeLine(io.stdout, 'no dead letters to replay');
  for (const id of outcome.replayed.length <= 20 ? outcome.replayed : [])
    writeLine(io.stdout, `replayed ${id}`);
  for (const { id, error } of outcome.failed) writeLine(io.stderr, `could not replay ${id}: ${error}`);
  if (ids.length > 0) {
    writeLine(io.stdout, `${outcome.replayed.length} replayed, ${outcome.failed.length} failed`);
  }
  return outcome;
}

async function onCommandDatabase<T>(env: Env, work: (db: Database) => Promise<T>): Promise<T> {
  const { db } = await openCommandDatabase(loadCommandConfig(env));
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** `nlyzer dlq list [--subscription s] [--json]`. */
export function dlqListCommand(options: DlqListOptions, env: Env, io: CommandIo): Promise<void> {
  return onCommandDatabase(env, async (db) => {
    await listDeadLettersTo(db, options, io);
  });
}

/** `nlyzer dlq replay <id…> | --all [--subscription s]`; exits 1 when any replay failed. */
export function dlqReplayCommand(options: DlqReplayOptions, env: Env, io: CommandIo): Promise<number> {
  return onCommandDatabase(env, async (db) =>
    (await replayDeadLettersTo(db, options, io)).failed.length > 0 ? 1 : 0,
  );
}
