import { createHash } from 'node:crypto'
import pg from 'pg'
import type { Pool, PoolClient, PoolConfig, QueryConfig, QueryResult } from 'pg'
import { keepHiddenMembersSql, resolvePendingIds, RowsMissed, updateGuardSql, updateSetSql } from '../dialect.js'
import type { Connection, Driver, LinkOp, RawRow, SchemaSession, TransactionConnection, UpdateOp, WriteOp, WriteResult } from '../dialect.js'
import { runReportedAsync, type QueryListener } from '../query-event.js'
import { ARRAY_ELEMENT_SQL, PostgresDialect } from './postgres-dialect.js'

/** Anything `pool.query` and `client.query` both accept. */
type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>

// Serializes schema creation across processes booting at the same time.
const DDL_LOCK_KEY = 0x7665696c
const MAX_PREPARED_STATEMENTS = 1000

/** @internal A pg pool: plain work goes to any pooled client, a transaction keeps one client. */
export class PostgresDriver implements Driver {
  readonly dialect = new PostgresDialect()
  readonly shared: Connection
  readonly #pool: Pool
  readonly #ownsPool: boolean
  readonly #onIdleError: (error: Error) => void
  /** Statement text -> prepared statement name; pg prepares each name once per client. */
  readonly #statementNames = new Map<string, string>()

  constructor(
    target: string | PoolConfig | Pool,
    onIdleError: (error: Error) => void,
    readonly onQuery: QueryListener | undefined,
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

  /** @internal Runs statement text the ORM generated as a named (prepared) query, reported to `onQuery`. */
  run(target: Queryable, text: string, values: readonly unknown[], rowMode?: 'array'): Promise<QueryResult> {
    const config = this.#prepared(text, values, rowMode)
    const { onQuery } = this
    if (!onQuery) return target.query(config)
    return runReportedAsync(onQuery, text, values, () => target.query(config), rowCountOf)
  }

  /** A named (prepared) query for statement text the ORM generates. */
  #prepared(text: string, values: readonly unknown[], rowMode?: 'array'): QueryConfig {
    let name = this.#statementNames.get(text)
    if (!name) {
      // Texts that vary with input (OR lists of many lengths) run unnamed once the cache is full,
      // so neither this map nor each server connection's prepared statements grow forever.
      if (this.#statementNames.size >= MAX_PREPARED_STATEMENTS) {
        return { text, values: values as unknown[], ...(rowMode ? { rowMode } : {}) }
      }
      name = statementName(text)
      this.#statementNames.set(text, name)
    }
    return { name, text, values: values as unknown[], ...(rowMode ? { rowMode } : {}) }
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
      await client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK_KEY])
      const result = await work(new PostgresSchemaSession(client))
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

  /** @internal Runs the ops in order on one client; the caller provides atomicity. */
  async runOps(client: Queryable, ops: readonly WriteOp[]): Promise<WriteResult> {
    const results: WriteResult = []
    for (const op of ops) {
      resolvePendingIds(op, results, this.dialect)
      results.push(await this.#runOp(client, op, results.length))
    }
    return results
  }

  async #link(client: Queryable, op: LinkOp): Promise<void> {
    const { junction } = op
    const q = (name: string): string => this.dialect.quote(name)
    const table = q(junction.tableName)
    const owner = q(junction.ownerColumn)
    const target = q(junction.targetColumn)
    const ownerType = ARRAY_ELEMENT_SQL[junction.ownerType]
    const targetType = ARRAY_ELEMENT_SQL[junction.targetType]
    const owners = op.rows.map((row) => row[0])
    if (op.kind === 'unlinkAll') {
      await this.run(client, `DELETE FROM ${table} WHERE ${owner} = ANY($1::${ownerType}[])${keepHiddenMembersSql(junction, q)}`, [owners])
      return
    }
    const targets = op.rows.map((row) => row[1])
    const pairs = `unnest($1::${ownerType}[], $2::${targetType}[])`
    const text =
      op.kind === 'link'
        ? `INSERT INTO ${table} (${owner}, ${target}) SELECT * FROM ${pairs} ON CONFLICT DO NOTHING`
        : `DELETE FROM ${table} AS j USING ${pairs} AS v(o, t) WHERE j.${owner} = v.o AND j.${target} = v.t`
    await this.run(client, text, [owners, targets])
  }

  async #runOp(client: Queryable, op: WriteOp, index: number): Promise<unknown[] | undefined> {
    if (op.kind !== 'insert' && op.kind !== 'update') {
      await this.#link(client, op)
      return undefined
    }
    if (op.kind === 'update') {
      await this.#update(client, op, index)
      return undefined
    }
    const q = (name: string): string => this.dialect.quote(name)
    const columnArrays = transpose(op.rows, op.columns.length)
    const types = op.columns.map((column) => ARRAY_ELEMENT_SQL[column.type])
    // unnest() keeps the statement text fixed for any number of rows, so it is prepared once.
    const names = op.columns.map((column) => q(column.name)).join(', ')
    const returning = op.meta.isIdGenerated ? ' RETURNING "id"' : ''
    const text = `INSERT INTO ${q(op.meta.tableName)} (${names}) SELECT * FROM unnest(${arrayParams(types)})${returning}`
    const result = await this.run(client, text, columnArrays, 'array')
    if (!op.meta.isIdGenerated) return undefined
    // PostgreSQL returns the rows of INSERT ... SELECT in the order they were produced.
    const idType = op.meta.idColumn.type
    return (result.rows as unknown as RawRow[]).map((row) => this.dialect.decode(idType, row[0]))
  }

  /**
   * Every row must hit its row: one row checks `rowCount`, a batch (`UPDATE ... FROM unnest`) returns the
   * ids it hit. A miss throws {@link RowsMissed}; the caller's transaction rolls the write back.
   */
  async #update(client: Queryable, op: UpdateOp, index: number): Promise<void> {
    const q = (name: string): string => this.dialect.quote(name)
    const table = q(op.meta.tableName)
    const n = op.columns.length
    if (op.rows.length === 1) {
      const text = `UPDATE ${table} SET ${updateSetSql(op, q, (i) => `$${i + 1}`)} WHERE "id" = $${n + 1}${updateGuardSql(op, q, `$${n + 2}`, '', (i) => `$${i + 1}`)}`
      const result = await this.run(client, text, op.rows[0] as unknown[])
      if (result.rowCount === 0) throw new RowsMissed(index, [0])
      return
    }
    const types = [...op.columns, op.meta.idColumn, ...(op.check ? [op.check] : [])].map((column) => ARRAY_ELEMENT_SQL[column.type])
    const aliases = [...op.columns.map((_, i) => `c${i}`), 'id', ...(op.check ? ['chk'] : [])]
    const text =
      `UPDATE ${table} AS t SET ${updateSetSql(op, q, (i) => `v.c${i}`, 't.')} FROM unnest(${arrayParams(types)}) ` +
      `AS v(${aliases.join(', ')}) WHERE t."id" = v.id${updateGuardSql(op, q, 'v.chk', 't.', (i) => `v.c${i}`)} RETURNING t."id"`
    const result = await this.run(client, text, transpose(op.rows, aliases.length), 'array')
    if (result.rows.length === op.rows.length) return
    const hit = new Set((result.rows as unknown as RawRow[]).map((row) => String(row[0]).toLowerCase()))
    const missed: number[] = []
    op.rows.forEach((row, r) => {
      if (!hit.has(String(row[n]).toLowerCase())) missed.push(r)
    })
    throw new RowsMissed(index, missed)
  }
}

/** Rows returned, or changed by a statement without RETURNING. */
function rowCountOf(result: QueryResult): number {
  return result.rowCount ?? result.rows.length
}

/** `$1::type[], $2::type[], ...`: one array parameter per column. */
function arrayParams(types: readonly string[]): string {
  return types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')
}

/** Rows of cells -> one array per column (the first `width` cells of each row). */
function transpose(rows: readonly unknown[][], width: number): unknown[][] {
  const columns = Array.from({ length: width }, () => new Array<unknown>(rows.length))
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as unknown[]
    for (let c = 0; c < width; c++) (columns[c] as unknown[])[r] = row[c]
  }
  return columns
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
}

/** A prepared statement name that only this text gets, in every boot and every process. */
function statementName(text: string): string {
  // A counter would restart at each boot while the server connections of a pool passed in keep the
  // statements the earlier boot prepared under the same names.
  return `veil_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`
}

/** The 'error' listener of a checked-out client, removed when it goes back to the pool. */
function ignoreClientError(): void {}

/**
 * Takes a client from the pool for several statements. pg emits 'error' on a checked-out client
 * whose connection ends (a killed backend), which would end the process if nobody listened; the
 * listener only keeps it alive: the statement that runs next on the client fails as a lost
 * connection, and that is what the caller gets.
 */
async function checkOut(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect()
  client.on('error', ignoreClientError)
  return client
}

/** Gives a checked-out client back; with an error, the pool destroys it instead of reusing it. */
function checkIn(client: PoolClient, error?: unknown): void {
  client.removeListener('error', ignoreClientError)
  if (error === undefined) client.release()
  else client.release(error instanceof Error ? error : new Error(String(error)))
}

async function rollbackAndRelease(client: PoolClient, statement: string, error: unknown): Promise<void> {
  try {
    await client.query(statement)
    checkIn(client)
  } catch {
    // The connection itself is broken: destroy it rather than return it to the pool.
    checkIn(client, error)
  }
}

/** Lists and changes the schema on the client that holds the schema lock. */
class PostgresSchemaSession implements SchemaSession {
  constructor(readonly client: PoolClient) {}

  async listTables(): Promise<string[]> {
    const result = await this.client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    )
    return result.rows.map((row) => row.name)
  }

  async listColumns(table: string): Promise<string[]> {
    const result = await this.client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
    return result.rows.map((row) => row.name)
  }

  async listIndexes(table: string): Promise<string[]> {
    const result = await this.client.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
      [table],
    )
    return result.rows.map((row) => row.name)
  }

  async runDdl(statements: readonly string[]): Promise<void> {
    for (const statement of statements) await this.client.query(statement)
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
