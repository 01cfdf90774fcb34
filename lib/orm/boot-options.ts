import type { Database as SqliteDatabase } from 'better-sqlite3'
import type { Pool, PoolConfig } from 'pg'
import type { IdType } from '../metadata/column-type.js'
import type { Logger } from '../schema/schema-sync.js'

/** Options of `ORM.boot()`. Without `sqlite` or `postgres`, an in-memory SQLite database is used. */
export interface BootOptions {
  /** A SQLite file path (or ':memory:'), or an open better-sqlite3 Database (left open by close()). */
  readonly sqlite?: string | SqliteDatabase
  /** A PostgreSQL connection string, a pg PoolConfig, or an existing pg.Pool (left open by close()). */
  readonly postgres?: string | PoolConfig | Pool
  /** The id type of classes that do not set one; 'INT' unless given. */
  readonly idTypeDefault?: IdType
  /** Do not create tables, columns or indexes; only check that they exist. */
  readonly skipTableCreation?: boolean
  /** Flush automatically after the current synchronous work (default true). */
  readonly autoFlush?: boolean
  /**
   * Called with the SQL text of every statement veil-orm sends after boot (a batched write counts once
   * per statement text): for logging, or for checking how many queries a call costs.
   */
  readonly onQuery?: (sql: string) => void
  /**
   * Receives boot warnings (unmapped tables and columns), errors of scheduled flushes when `ORM.onError`
   * is not set, and what `close({ discardPending: true })` discarded; defaults to console.
   */
  readonly logger?: Logger
}

/** Options of `ORM.close()`. */
export interface CloseOptions {
  /** Close without writing pending inserts and changes: they are discarded, counted and logged. */
  readonly discardPending?: boolean
}
