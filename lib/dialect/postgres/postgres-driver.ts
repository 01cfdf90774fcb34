import pg from 'pg'
import type { Pool, PoolClient, PoolConfig, QueryConfig, QueryResult } from 'pg'
import { resolvePendingIds, RowsMissed } from '../dialect.js'
import type { Connection, CursorQuery, Driver, RawRow, RowCursor, SchemaSession, TransactionConnection, UpdateOp, WriteOp, WriteResult } from '../dialect.js'
import { runReportedAsync, type QueryListener } from '../query-event.js'
import { checkIn, checkOut, rollbackAndRelease } from './postgres-clients.js'
import { PostgresCursor } from './postgres-cursor.js'
import { PostgresDialect } from './postgres-dialect.js'
import { missedRows, rowCountOf } from './postgres-results.js'
import { PostgresSchemaSession } from './postgres-schema-session.js'
import { statementName } from './statement-name.js'
import { ALL_OR_NOTHING_MISSED, PostgresWriteCompiler } from './postgres-write-compiler.js'

/** Anything `pool.query` and `client.query` both accept. */
type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>

const MAX_PREPARED_STATEMENTS = 1000

/** @internal How the driver talks to the server, from the boot options. */
export interface PostgresDriverOptions {
  /**
   * False under `pooler: 'transaction'`: every statement runs unnamed, so no server connection keeps
   * state from one transaction to the next (a transaction pooler hands the next one another connection).
   */
  readonly namedStatements: boolean
}

/** @internal A pg pool: plain work goes to any pooled client, a transaction keeps one client. */
export class PostgresDriver implements Driver {
  readonly dialect = new PostgresDialect()
  readonly shared: Connection
  readonly #writes = new PostgresWriteCompiler(this.dialect)
  readonly #pool: Pool
  readonly #ownsPool: boolean
  readonly #onIdleError: (error: Error) => void
  /** Statement text -> prepared statement name; pg prepares each name once per client. */
  readonly #statementNames = new Map<string, string>()

  constructor(
    target: string | PoolConfig | Pool,
    onIdleError: (error: Error) => void,
    readonly onQuery: QueryListener | undefined,
    readonly options: PostgresDriverOptions = { namedStatements: true },
  ) {
    this.#ownsPool = !(target instanceof pg.Pool)
    this.#pool =
      target instanceof pg.Pool
        ? target
        : new pg.Pool(typeof target === 'string' ? { connectionString: target } : target)
    // An idle client losing its connection emits 'error' on the pool, which would end the process
    // if nobody listened: it is reported instead, on a pool passed in too (beside its owner's
    // listeners; close() removes ours), and pg-pool drops the client.
    this.#onIdleError = onIdleError
    this.#pool.on('error', onIdleError)
    this.shared = new PostgresConnection(this, this.#pool, false)
  }

  /**
   * @internal Runs statement text the ORM generated, reported to `onQuery`: as a named (prepared) query,
   * or unnamed under `pooler: 'transaction'`.
   */
  run(target: Queryable, text: string, values: readonly unknown[], rowMode?: 'array'): Promise<QueryResult> {
    const config = this.#prepared(text, values, rowMode)
    const { onQuery } = this
    if (!onQuery) return target.query(config)
    return runReportedAsync(onQuery, text, values, () => target.query(config), rowCountOf)
  }

  /** A named (prepared) query for statement text the ORM generates, or an unnamed one. */
  #prepared(text: string, values: readonly unknown[], rowMode?: 'array'): QueryConfig {
    const config: QueryConfig & { rowMode?: 'array' } = { text, values: values as unknown[] }
    const name = this.options.namedStatements ? this.#statementName(text) : undefined
    if (name) config.name = name
    if (rowMode) config.rowMode = rowMode
    return config
  }

  /** The name of `text`'s prepared statement; none once the cache is full. */
  #statementName(text: string): string | undefined {
    let name = this.#statementNames.get(text)
    if (!name) {
      // Texts that vary with input (OR lists of many lengths) run unnamed once the cache is full,
      // so neither this map nor each server connection's prepared statements grow forever.
      if (this.#statementNames.size >= MAX_PREPARED_STATEMENTS) return undefined
      name = statementName(text)
      this.#statementNames.set(text, name)
    }
    return name
  }

  async begin(): Promise<TransactionConnection> {
    const client = await checkOut(this.#pool)
    try {
      await client.query('BEGIN')
    } catch (error) {
      checkIn(client, error)
      throw error
    }
    return new PostgresTransaction(this, client, 0)
  }

  async lockSchema<T>(work: (schema: SchemaSession) => Promise<T>): Promise<T> {
    const client = await checkOut(this.#pool)
    try {
      // READ COMMITTED whatever the pool's default: each listing must see what a boot that held the
      // lock before this one committed, not a snapshot taken before the lock was granted.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
      const schema = new PostgresSchemaSession(client)
      await schema.lock()
      const result = await work(schema)
      await client.query('COMMIT')
      checkIn(client)
      return result
    } catch (error) {
      await rollbackAndRelease(client, 'ROLLBACK', error)
      throw error
    }
  }

  async close(): Promise<void> {
    this.#pool.removeListener('error', this.#onIdleError)
    if (this.#ownsPool) await this.#pool.end()
  }

  /** @internal Runs a batched UPDATE as one statement that changes nothing unless it hits every row; false when it missed. */
  async runAllOrNothing(target: Queryable, op: UpdateOp): Promise<boolean> {
    const statement = this.#writes.compileAllOrNothing(op)
    try {
      const result = await this.run(target, statement.text, statement.params, 'array')
      return result.rows.length === op.rows.length
    } catch (error) {
      if ((error as { code?: unknown }).code === ALL_OR_NOTHING_MISSED) return false
      throw error
    }
  }

  /** @internal Runs the ops in order on one client; the caller provides atomicity. */
  async runOps(client: Queryable, ops: readonly WriteOp[]): Promise<WriteResult> {
    const results: WriteResult = []
    for (const op of ops) {
      resolvePendingIds(op, results, this.dialect)
      results.push(await this.#runOp(client, op, results.length))
    }
    return results
  }

  /**
   * Runs one op's statement and reads its result: the generated ids, or whether every row hit its row. A
   * miss throws {@link RowsMissed}; the caller's transaction rolls the write back.
   */
  async #runOp(client: Queryable, op: WriteOp, index: number): Promise<unknown[] | undefined> {
    const statement = this.#writes.compile(op)
    const result = await this.run(client, statement.text, statement.params, statement.rowMode)
    switch (statement.result) {
      case 'none':
        return undefined
      case 'ids':
        return (result.rows as unknown as RawRow[]).map((row) => this.dialect.decode(statement.idType, row[0]))
      case 'hitOne':
        if (result.rowCount === 0) throw new RowsMissed(index, [0])
        return undefined
      case 'hitIds':
        if (result.rows.length !== op.rows.length) throw new RowsMissed(index, missedRows(op.rows, statement.idCell, result.rows as unknown as RawRow[]))
        return undefined
    }
  }
}

/** Work outside transactions: a single statement runs on the pool; several get their own transaction. */
class PostgresConnection implements Connection {
  constructor(
    readonly driver: PostgresDriver,
    readonly target: Queryable,
    readonly inTransaction: boolean,
  ) {}

  async select(text: string, params: readonly unknown[]): Promise<RawRow[]> {
    const result = await this.driver.run(this.target, text, params, 'array')
    return result.rows as unknown as RawRow[]
  }

  async query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const { onQuery } = this.driver
    const result = onQuery
      ? await runReportedAsync(onQuery, text, params, () => this.target.query(text, params as unknown[]), rowCountOf)
      : await this.target.query(text, params as unknown[])
    return result.rows as Record<string, unknown>[]
  }

  async execute(text: string, params: readonly unknown[]): Promise<number> {
    const result = await this.driver.run(this.target, text, params)
    return result.rowCount ?? 0
  }

  async write(ops: readonly WriteOp[]): Promise<WriteResult> {
    // A single statement is atomic by itself: no BEGIN/COMMIT round trips needed. Not a batched UPDATE,
    // though: one that hits 9 of its 10 rows succeeds, and must still be rolled back.
    const [only] = ops
    if (ops.length === 1 && only && (only.kind !== 'update' || only.rows.length === 1)) return this.driver.runOps(this.target, ops)
    // Alone, it runs as one statement that fails unless it hits every row; after a miss, the transaction
    // below runs it again and finds which rows missed (or commits, if they are back by then).
    if (ops.length === 1 && only?.kind === 'update' && !this.inTransaction && (await this.driver.runAllOrNothing(this.target, only))) return [undefined]
    const client = await checkOut(this.target as Pool)
    try {
      await client.query('BEGIN')
      const result = await this.driver.runOps(client, ops)
      await client.query('COMMIT')
      checkIn(client)
      return result
    } catch (error) {
      await rollbackAndRelease(client, 'ROLLBACK', error)
      throw error
    }
  }

  openCursor(query: CursorQuery): Promise<RowCursor> {
    return PostgresCursor.open(this.inTransaction ? { client: this.target as PoolClient } : { pool: this.target as Pool }, query, this.driver.onQuery)
  }
}

/** A transaction (depth 0) or savepoint (depth > 0) on one dedicated pooled client. */
class PostgresTransaction implements TransactionConnection {
  readonly #connection: PostgresConnection
  #hasEnded = false

  constructor(
    readonly driver: PostgresDriver,
    readonly client: PoolClient,
    readonly depth: number,
  ) {
    this.#connection = new PostgresConnection(driver, client, true)
  }

  select(text: string, params: readonly unknown[]): Promise<RawRow[]> {
    return this.#connection.select(text, params)
  }

  query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return this.#connection.query(text, params)
  }

  execute(text: string, params: readonly unknown[]): Promise<number> {
    return this.#connection.execute(text, params)
  }

  openCursor(query: CursorQuery): Promise<RowCursor> {
    return this.#connection.openCursor(query)
  }

  async write(ops: readonly WriteOp[]): Promise<WriteResult> {
    // Inside a transaction a failed statement would abort everything; a savepoint confines the
    // failure to this flush, so the caller can fix the values and flush again.
    await this.client.query('SAVEPOINT veil_flush')
    try {
      const result = await this.driver.runOps(this.client, ops)
      await this.client.query('RELEASE SAVEPOINT veil_flush')
      return result
    } catch (error) {
      await this.client.query('ROLLBACK TO SAVEPOINT veil_flush').catch(() => undefined)
      throw error
    }
  }

  async begin(): Promise<TransactionConnection> {
    await this.client.query(`SAVEPOINT veil_${this.depth + 1}`)
    return new PostgresTransaction(this.driver, this.client, this.depth + 1)
  }

  async commit(): Promise<void> {
    if (this.depth > 0) {
      await this.client.query(`RELEASE SAVEPOINT veil_${this.depth}`)
      return
    }
    this.#hasEnded = true
    try {
      await this.client.query('COMMIT')
      checkIn(this.client)
    } catch (error) {
      await rollbackAndRelease(this.client, 'ROLLBACK', error)
      throw error
    }
  }

  async rollback(): Promise<void> {
    if (this.depth > 0) {
      await this.client.query(`ROLLBACK TO SAVEPOINT veil_${this.depth}; RELEASE SAVEPOINT veil_${this.depth}`)
      return
    }
    if (this.#hasEnded) return
    this.#hasEnded = true
    await rollbackAndRelease(this.client, 'ROLLBACK', new Error('transaction rolled back'))
  }
}
