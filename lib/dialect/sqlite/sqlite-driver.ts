import Database from 'better-sqlite3'
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3'
import { resolvePendingIds, RowsMissed } from '../dialect.js'
import type { Connection, Driver, RawRow, SchemaLockOptions, SchemaSession, TransactionConnection, WriteOp, WriteResult } from '../dialect.js'
import { runReported, type QueryListener } from '../query-event.js'
import { SharedSqliteConnection, SqliteTransaction, type SqliteRunner } from './sqlite-connections.js'
import type { SqliteCursor } from './sqlite-cursor.js'
import { SqliteDialect } from './sqlite-dialect.js'
import { SqliteSchemaSession } from './sqlite-schema-session.js'
import { runInsert } from './sqlite-inserts.js'
import { SqliteWriteCompiler, type SqliteEachRow } from './sqlite-write-compiler.js'

const MAX_CACHED_STATEMENTS = 1000

/**
 * @internal One better-sqlite3 connection. SQLite has a single writer and better-sqlite3 a single
 * connection, so an open `ORM.transaction()` owns the connection: work from other async contexts
 * waits until it ends instead of leaking into it.
 */
export class SqliteDriver implements Driver, SqliteRunner {
  readonly dialect = new SqliteDialect()
  readonly shared: Connection
  readonly #writes = new SqliteWriteCompiler(this.dialect)
  readonly #db: SqliteDatabase
  readonly #ownsDatabase: boolean
  readonly #statements = new Map<string, Statement>()
  /** Streams whose iterating statement is open: {@link pauseCursors} closes them before a write. */
  readonly openCursors = new Set<SqliteCursor>()
  #transactionDone: Promise<void> | undefined

  constructor(
    target: string | SqliteDatabase | undefined,
    readonly onQuery: QueryListener | undefined,
  ) {
    this.#ownsDatabase = typeof target !== 'object'
    this.#db = typeof target === 'object' ? target : new Database(target ?? ':memory:')
    this.#db.pragma('foreign_keys = ON')
    if (this.#ownsDatabase && target !== undefined && target !== ':memory:') {
      // WAL lets readers in other processes work while one writes; the busy timeout makes a
      // second writing process wait for the lock instead of failing at once.
      this.#db.pragma('journal_mode = WAL')
      this.#db.pragma('busy_timeout = 5000')
    }
    this.shared = new SharedSqliteConnection(this)
  }

  /** @internal The prepared statement for this SQL, prepared once per connection. */
  statement(text: string): Statement {
    let statement = this.#statements.get(text)
    if (!statement) {
      statement = this.#db.prepare(text)
      // Texts that vary with input (IN lists of many lengths) must not grow the cache forever.
      if (this.#statements.size < MAX_CACHED_STATEMENTS) this.#statements.set(text, statement)
    }
    return statement
  }

  get database(): SqliteDatabase {
    return this.#db
  }

  /** While a transaction holds the connection: a promise that settles when it ends. */
  get transactionDone(): Promise<void> | undefined {
    return this.#transactionDone
  }

  /**
   * Closes the statements of open streams (they reopen after their last row): better-sqlite3 refuses
   * writes, `BEGIN` and `COMMIT` while an iterator is open on the connection.
   */
  pauseCursors(): void {
    if (this.openCursors.size === 0) return
    for (const cursor of [...this.openCursors]) cursor.pause()
  }

  async begin(): Promise<TransactionConnection> {
    // Check and claim in one synchronous step: an await in between would let two callers both
    // see the connection free and both issue BEGIN.
    while (this.#transactionDone) await this.#transactionDone
    this.pauseCursors()
    let release!: () => void
    this.#transactionDone = new Promise<void>((resolve) => (release = resolve))
    try {
      this.#db.exec('BEGIN IMMEDIATE')
    } catch (error) {
      this.#transactionDone = undefined
      release()
      throw error
    }
    return new SqliteTransaction(this, 0, () => {
      this.#transactionDone = undefined
      release()
    })
  }

  async lockSchema<T>(work: (schema: SchemaSession) => Promise<T>, options: SchemaLockOptions = {}): Promise<T> {
    // IMMEDIATE takes the write lock before the listing, so processes booting on one file create
    // what is missing one after another (a read-only file can only be checked: a plain BEGIN).
    this.pauseCursors()
    if (options.foreignKeysOff) this.#db.pragma('foreign_keys = OFF')
    this.#db.exec(this.#db.readonly ? 'BEGIN' : 'BEGIN IMMEDIATE')
    try {
      const result = await work(new SqliteSchemaSession(this.#db))
      this.#db.exec('COMMIT')
      return result
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK')
      throw error
    } finally {
      if (options.foreignKeysOff) this.#db.pragma('foreign_keys = ON')
    }
  }

  async close(): Promise<void> {
    this.pauseCursors()
    this.#statements.clear()
    if (this.#ownsDatabase) this.#db.close()
  }

  /** @internal Runs the query synchronously; shared by the shared connection and transactions. */
  selectNow(text: string, params: readonly unknown[], safeIntegers: boolean): RawRow[] {
    const { onQuery } = this
    if (onQuery) return runReported(onQuery, text, params, 1, () => this.#select(text, params, safeIntegers), (rows) => rows.length)
    return this.#select(text, params, safeIntegers)
  }

  #select(text: string, params: readonly unknown[], safeIntegers: boolean): RawRow[] {
    const statement = this.statement(text)
    statement.safeIntegers(safeIntegers)
    return statement.raw(true).all(params as unknown[]) as RawRow[]
  }

  queryNow(text: string, params: readonly unknown[]): Record<string, unknown>[] {
    const { onQuery } = this
    if (!onQuery) return this.#query(text, params).rows
    return runReported(onQuery, text, params, 1, () => this.#query(text, params), (result) => result.rowCount).rows
  }

  #query(text: string, params: readonly unknown[]): { rows: Record<string, unknown>[]; rowCount: number } {
    // Raw SQL is not cached: a one-off statement must not grow the cache forever.
    const statement = this.#db.prepare(text)
    if (statement.reader) {
      const rows = statement.all(params as unknown[]) as Record<string, unknown>[]
      return { rows, rowCount: rows.length }
    }
    this.pauseCursors()
    return { rows: [], rowCount: statement.run(params as unknown[]).changes }
  }

  executeNow(text: string, params: readonly unknown[]): number {
    this.pauseCursors()
    const { onQuery } = this
    if (onQuery) return runReported(onQuery, text, params, 1, () => this.statement(text).run(params as unknown[]).changes, (changes) => changes)
    return this.statement(text).run(params as unknown[]).changes
  }

  writeNow(ops: readonly WriteOp[]): WriteResult {
    this.pauseCursors()
    // db.transaction() turns into a SAVEPOINT when a transaction is already open.
    return this.#db.transaction(() => {
      const results: WriteResult = []
      for (const op of ops) {
        resolvePendingIds(op, results, this.dialect)
        const statement = this.#writes.compile(op)
        results.push(statement.kind === 'insert' ? runInsert(this, statement) : this.#runEachRow(statement, results.length))
      }
      return results
    })()
  }

  /** Runs the statement once per row; a run of a `mustHit` statement that changed nothing missed its row, and the whole write rolls back. */
  #runEachRow(statement: SqliteEachRow, index: number): undefined {
    const { text, rows, rebound, mustHit } = statement
    let missed: number[] | undefined
    const runEach = (): number => {
      const prepared = this.statement(text)
      let changes = 0
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as unknown[]
        const changed = prepared.run(rebound.length === 0 ? row : [...row, ...rebound.map((i) => row[i])]).changes
        if (mustHit && changed === 0) (missed ??= []).push(r)
        changes += changed
      }
      return changes
    }
    const { onQuery } = this
    if (onQuery) runReported(onQuery, text, rows[0] ?? [], rows.length, runEach, (changes) => changes)
    else runEach()
    if (missed) throw new RowsMissed(index, missed)
    return undefined
  }
}
