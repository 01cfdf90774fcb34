import type { Database as SqliteDatabase } from 'better-sqlite3'
import type { Pool, PoolConfig } from 'pg'
import type { QueryEvent } from '../dialect/query-event.js'
import type { IdType } from '../metadata/column-type.js'
import type { Logger } from '../util/logger.js'

/** Options of `ORM.boot()`. Without `sqlite` or `postgres`, an in-memory SQLite database is used. */
export interface BootOptions {
  /** A SQLite file path (or ':memory:'), or an open better-sqlite3 Database (left open by close()). */
  readonly sqlite?: string | SqliteDatabase
  /** A PostgreSQL connection string, a pg PoolConfig, or an existing pg.Pool (left open by close()). */
  readonly postgres?: string | PoolConfig | Pool
  /**
   * `'transaction'` when `postgres` reaches the server through a transaction pooler (PgBouncer with
   * `pool_mode = transaction`, or a managed pooler): veil-orm then keeps no state on a server
   * connection from one transaction to the next, so every statement runs unnamed instead of as a named
   * prepared statement. Leave it out for a direct connection or a session pooler.
   */
  readonly pooler?: 'transaction'
  /** The id type of classes that do not set one; 'INT' unless given. */
  readonly idTypeDefault?: IdType
  /** Do not create tables, columns or indexes; only check that they exist. */
  readonly skipTableCreation?: boolean
  /** Flush automatically after the current synchronous work (default true). */
  readonly autoFlush?: boolean
  /**
   * Called after every statement veil-orm sends after boot, failed or not, with
   * `{ sql, params, durationMs, rowCount, runs, error? }`: for your own logging or metrics, or for
   * checking how many queries a call costs. A statement a SQLite write runs once per row is one event.
   */
  readonly onQuery?: (event: QueryEvent) => void
  /**
   * Logs every statement sent after boot, with its parameters and timing, through `logger.info`
   * (`logger.warn` when the logger has no `info`). `true` logs parameters as they are; `{ redact }`
   * replaces them with what `redact` returns (for example to hide passwords).
   */
  readonly logSql?: boolean | SqlLogOptions
  /**
   * Receives boot warnings (unmapped tables and columns), the Object-trap warning (a json column typed
   * `Object` whose first value is a number, string or boolean), errors of scheduled flushes when
   * `ORM.onError` is not set, what `close({ discardPending: true })` discarded and the `logSql` lines;
   * defaults to console.
   */
  readonly logger?: Logger
  /**
   * PostgreSQL streaming replicas (connection strings, pg PoolConfigs or pg.Pools, the last left open by
   * close()): reads outside transactions go to them, writes and transactions to `postgres`. After this
   * process commits a write to a class, reads of that class (and the classes related to it) stay on the
   * primary until a replica has replayed the write. An unreachable replica is skipped with one warning.
   */
  readonly replicas?: readonly (string | PoolConfig | Pool)[]
}

/** The `logSql` boot option as an object: how to log statements. */
export interface SqlLogOptions {
  /**
   * Returns the parameters to print in place of `event.params` (nothing is redacted without it).
   *
   * ```ts
   * logSql: { redact: ({ sql, params }) => (sql.includes('"password"') ? params.map(() => '***') : params) }
   * ```
   */
  readonly redact?: (event: QueryEvent) => readonly unknown[]
}

/** Options of `ORM.close()`. */
export interface CloseOptions {
  /** Close without writing pending inserts and changes: they are discarded, counted and logged. */
  readonly discardPending?: boolean
}
