import { type Role, StartSyncRequest, SyncRunList, SyncRunLog, SyncRunView } from '@nlyzer/contracts';
import { AppError, notFound, type RouteModule, validationFailed } from '@nlyzer/service-kit';
import { sql } from 'kysely';
import Type from 'typebox';
import { type SyncContext, withStoreEvents } from '../../sync-context.ts';
import { queueRun, readRun, runView } from './sync-run-store.ts';

const READERS: readonly Role[] = ['owner', 'admin', 'analyst'];
const WRITERS: readonly Role[] = ['owner', 'admin'];
const DEFAULT_PAGE = 20;

const RunParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** `next_cursor` of the previous page. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

const encode = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

/** Keyset cursors: `<queued_at ISO>|<run id>` for runs, the log's sequence number for entries. */
function decode<T>(cursor: string | undefined, parse: (raw: string) => T | null): T | undefined {
  if (cursor === undefined) return undefined;
  const parsed = parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (parsed === null)
    throw validationFailed([{ path: '/query/cursor', message: 'Not a cursor this list gave' }]);
  return parsed;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseRunCursor(raw: string): { queuedAt: Date; id: string } | null {
  const [at, id] = raw.split('|');
  if (at === undefined || id === undefined || !UUID.test(id)) return null;
  const queuedAt = new Date(at);
  return Number.isNaN(queuedAt.getTime()) ? null : { queuedAt, id };
}

const parseSeq = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : null);

/** The dashboard's sync API: "sync now", the run history, one run and its log. */
export function createSyncRunsRoutes(context: SyncContext, wakeWorker: () => void): RouteModule {
  const { db, outbox } = context;
  return async (app) => {
    app.post(
      '/v1/sync/runs',
      {
        schema: { body: StartSyncRequest, response: { 200: SyncRunView, 202: SyncRunView } },
        config: { merchantRoles: WRITERS },
      },
      async (request, reply) => {
        const { storeId } = request.merchant!;
        const mode = request.body?.mode ?? 'incremental';
        const { run, created } = await withStoreEvents(outbox, storeId, async (trx, emit) => {
          const connection = await trx
            .selectFrom('catalog.connections')
            .select('state')
            .where('store_id', '=', storeId)
            .executeTakeFirst();
          if (connection?.state !== 'connected')
            throw new AppError('conflict', 'The store has no connected catalog source to sync from');
          const queued = await queueRun(trx, emit, { storeId, trigger: 'manual', mode });
          return { run: (await readRun(trx, storeId, queued.runId))!, created: queued.created };
        });
        if (created) wakeWorker();
        reply.code(created ? 202 : 200);
        return runView(run);
      },
    );

    app.get(
      '/v1/sync/runs',
      {
        schema: { querystring: PageQuery, response: { 200: SyncRunList } },
        config: { merchantRoles: READERS },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const limit = request.query.limit ?? DEFAULT_PAGE;
        const after = decode(request.query.cursor, parseRunCursor);
        const rows = await db.withStore(storeId, (trx) => {
          let query = trx
            .selectFrom('catalog.sync_runs')
            .selectAll()
            .where('store_id', '=', storeId)
            .orderBy('queued_at', 'desc')
            .orderBy('id', 'desc')
            .limit(limit + 1);
          if (after !== undefined)
            query = query.where((eb) =>
              eb.or([
                eb('queued_at', '<', after.queuedAt),
                eb.and([eb('queued_at', '=', after.queuedAt), eb('id', '<', after.id)]),
              ]),
            );
          return query.execute();
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          runs: page.map(runView),
          next_cursor:
            rows.length > limit && last !== undefined
              ? encode(`${new Date(last.queued_at).toISOString()}|${last.id}`)
              : null,
        };
      },
    );

    app.get(
      '/v1/sync/runs/:id',
      { schema: { params: RunParams, response: { 200: SyncRunView } }, config: { merchantRoles: READERS } },
      async (request) => {
        const { storeId } = request.merchant!;
        const run = await db.withStore(storeId, (trx) => readRun(trx, storeId, request.params.id));
        if (run === undefined) throw notFound('The store has no sync run with this id');
        return runView(run);
      },
    );

    app.get(
      '/v1/sync/runs/:id/log',
      {
        schema: { params: RunParams, querystring: PageQuery, response: { 200: SyncRunLog } },
        config: { merchantRoles: READERS },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const limit = request.query.limit ?? 100;
        const after = decode(request.query.cursor, parseSeq);
        const rows = await db.withStore(storeId, async (trx) => {
          if ((await readRun(trx, storeId, request.params.id)) === undefined) return undefined;
          let query = trx
            .selectFrom('catalog.sync_run_log')
            .select(['seq', 'external_id', 'level', 'code', 'message', 'at'])
            .where('store_id', '=', storeId)
            .where('run_id', '=', request.params.id)
            .orderBy('seq')
            .limit(limit + 1);
          // seq is a bigint column (no typed comparison): compared in SQL.
          if (after !== undefined) query = query.where(sql<boolean>`seq > ${after}`);
          return query.execute();
        });
        if (rows === undefined) throw notFound('The store has no sync run with this id');
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          entries: page.map((row) => ({
            external_id: row.external_id,
            level: row.level,
            code: row.code,
            message: row.message,
            at: new Date(row.at).toISOString(),
          })),
          next_cursor: rows.length > limit && last !== undefined ? encode(String(last.seq)) : null,
        };
      },
    );
  };
}
