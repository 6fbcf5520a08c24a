import { type AddressInfo, createServer } from 'node:net';
import { protocol } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { Database } from './database.ts';
import { DatabaseError } from './errors.ts';
import { pgliteSession } from './open-database.ts';
import { type PgliteSession, quoteIdentifier } from './pglite-dialect.ts';

export interface ServeDatabaseOptions {
  /** 0 → any free port (the url says which). */
  port: number;
  host?: string;
}

export interface ServedDatabase {
  /** postgres:// url of the served database; clients should open it with `sharedSession: true`. */
  url: string;
  /** Stops serving and ends every served client's turn. Call it before `db.close()`. */
  close(): Promise<void>;
}

/** Pools of other `nlyzer` commands and a few psql sessions. */
const MAX_CONNECTIONS = 32;

const READY_FOR_QUERY = 0x5a; // 'Z', always the last message of a response that has one
const IDLE = 0x49; // 'I': ready for query outside a transaction block
const TERMINATE = 0x58; // 'X'
/** What a server does for a client gone mid-turn: abort its transaction, then leave extended-query mode. */
const ABANDON = [protocol.serialize.query('rollback'), protocol.serialize.sync()];

type SocketQueue = PGLiteSocketHandlerOptions['queryQueue'];

/**
 * Gives the one PGlite session to a served client for a whole turn: from its first message
 * until the backend is ready for a query outside a transaction block (a simple query, an
 * extended-protocol batch up to Sync, a BEGIN … COMMIT). A turn holds the session mutex the
 * in-process PgliteDialect takes for its transactions, so neither side's statements land
 * inside the other's transaction, and no client's Parse/Bind/Execute interleaves another's.
 * Stands in for pglite-socket's own queue, which only knows about its socket clients.
 */
class SessionTurns {
  readonly #session: PgliteSession;
  #turn: { client: ServedClient; release: () => void } | undefined;

  constructor(session: PgliteSession) {
    this.#session = session;
  }

  async execute(
    client: ServedClient,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    // Terminate has no reply; the close that follows ends the client's turn.
    if (client.gone || message[0] === TERMINATE) return 0;
    if (this.#turn?.client !== client) {
      await this.#beginTurn(client);
      if (client.gone) {
        this.#endTurn();
        return 0;
      }
    }
    const { pglite } = this.#session;
    let size = 0;
    let tail: Uint8Array = new Uint8Array(0);
    try {
      await pglite.runExclusive(() =>
        pglite.execProtocolRawStream(message, {
          onRawData: (data) => {
            size += data.length;
            tail = lastBytes(tail, data, 6);
            onData(data);
          },
        }),
      );
    } catch (err) {
      this.#endTurn();
      throw err;
    }
    if (isIdleReadyForQuery(tail)) this.#endTurn();
    return size;
  }

  /** The client went away: drop what it left unfinished, as a server does when its client disconnects. */
  async abandon(client: ServedClient): Promise<void> {
    if (this.#turn?.client !== client) return;
    const { pglite } = this.#session;
    try {
      await pglite.runExclusive(async () => {
        for (const message of ABANDON) await pglite.execProtocolRaw(message);
      });
    } finally {
      this.#endTurn();
    }
  }

  async #beginTurn(client: ServedClient): Promise<void> {
    const session = this.#session;
    const release = await session.mutex.acquire();
    this.#turn = { client, release };
    // In-process work switched the role since the last turn: give served clients theirs back.
    if (session.currentRole === undefined) return;
    const wanted = session.servedRole === 'none' ? null : session.servedRole;
    try {
      if (session.currentRole !== wanted) {
        await session.pglite.exec(wanted === null ? 'reset role' : `set role ${quoteIdentifier(wanted)}`);
      }
    } catch (err) {
      this.#endTurn();
      throw err;
    }
    session.currentRole = undefined;
  }

  #endTurn(): void {
    const turn = this.#turn;
    this.#turn = undefined;
    turn?.release();
  }
}

/**
 * One socket connection's side of the queue pglite-socket's handler talks to. Its state lives
 * here, with the connection, so a message that races the disconnect still sees it gone.
 */
class ServedClient
  implements Pick<SocketQueue, 'enqueue' | 'clearQueueForHandler' | 'clearTransactionIfNeeded'>
{
  readonly #turns: SessionTurns;
  /** Messages run in the order they arrived (the handler may read two socket chunks at once). */
  #last: Promise<unknown> = Promise.resolve();
  gone = false;

  constructor(turns: SessionTurns) {
    this.#turns = turns;
  }

  enqueue(_handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const run = this.#last.then(() => this.#turns.execute(this, message, onData));
    this.#last = run.catch(() => {});
    return run;
  }

  clearQueueForHandler(): void {
    this.gone = true;
  }

  async clearTransactionIfNeeded(): Promise<void> {
    await this.#last;
    await this.#turns.abandon(this);
  }
}

function lastBytes(previous: Uint8Array, data: Uint8Array, count: number): Uint8Array {
  if (data.length >= count) return data.slice(-count);
  const joined = new Uint8Array(previous.length + data.length);
  joined.set(previous);
  joined.set(data, previous.length);
  return joined.slice(-count);
}

/** ReadyForQuery: 'Z', length 5, transaction status. */
function isIdleReadyForQuery(tail: Uint8Array): boolean {
  return (
    tail.length === 6 &&
    tail[0] === READY_FOR_QUERY &&
    tail[1] === 0 &&
    tail[2] === 0 &&
    tail[3] === 0 &&
    tail[4] === 5 &&
    tail[5] === IDLE
  );
}

/**
 * Serves a PGlite-backed Database over the Postgres wire protocol, so other processes
 * (`nlyzer dlq`, psql) reach the database a running process holds, while that process keeps
 * using the Database in process. All clients share PGlite's one session: they should open the
 * url with `sharedSession: true`, and a session-level SET they make is theirs only until the
 * in-process side runs (their role is given back; other settings are not).
 */
export async function serveDatabase(db: Database, options: ServeDatabaseOptions): Promise<ServedDatabase> {
  const session = pgliteSession(db);
  if (!session) {
    throw new DatabaseError('not_pglite', `serveDatabase serves PGlite databases, not ${db.driver}`);
  }
  const host = options.host ?? '127.0.0.1';
  const turns = new SessionTurns(session);
  const handlers = new Set<PGLiteSocketHandler>();
  const server = createServer((socket) => {
    const client = new ServedClient(turns) as unknown as SocketQueue;
    const handler = new PGLiteSocketHandler({ queryQueue: client, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    void handler.attach(socket);
  });
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...handlers].map((handler) => handler.detach(true)));
    await closed;
  };
  return {
    url: `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
