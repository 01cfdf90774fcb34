import type { Pool, PoolClient, QueryResult } from 'pg'
import type { CursorQuery, RawRow, RowCursor } from '../dialect.js'
import { runReportedAsync, type QueryListener } from '../query-event.js'
import { checkIn, checkOut, rollbackAndRelease } from './postgres-clients.js'

/** Cursor names are unique in the process, so that streams nested in one transaction never clash. */
let cursorCount = 0

/**
 * @internal A server-side cursor (`DECLARE ... CURSOR` then `FETCH n`). Inside the caller's transaction it
 * runs on that transaction's client; otherwise on a pooled client of its own, in a read-only transaction
 * that holds the client (and the snapshot the rows come from) until the last batch or `close()`.
 */
export class PostgresCursor implements RowCursor {
  readonly #client: PoolClient
  /** The cursor's own client and transaction, ended by the cursor; false inside the caller's transaction. */
  readonly #ownsClient: boolean
  readonly #name: string
  readonly #fetch: string
  readonly #batchSize: number
  readonly #onQuery: QueryListener | undefined
  #isOpen = true

  private constructor(client: PoolClient, ownsClient: boolean, batchSize: number, onQuery: QueryListener | undefined) {
    this.#client = client
    this.#ownsClient = ownsClient
    this.#name = `"veil_cursor_${++cursorCount}"`
    this.#fetch = `FETCH FORWARD ${batchSize} FROM ${this.#name}`
    this.#batchSize = batchSize
    this.#onQuery = onQuery
  }

  /** Declares the cursor on the transaction's `client`, or on a client checked out of `pool` for it. */
  static async open(source: { client: PoolClient } | { pool: Pool }, query: CursorQuery, onQuery: QueryListener | undefined): Promise<PostgresCursor> {
    const ownsClient = 'pool' in source
    const client = ownsClient ? await checkOut(source.pool) : source.client
    const cursor = new PostgresCursor(client, ownsClient, query.batchSize, onQuery)
    try {
      if (ownsClient) await client.query('BEGIN READ ONLY')
      // DECLARE passes its parameters on to the query, so the SELECT keeps its placeholders.
      await cursor.#run(`DECLARE ${cursor.#name} NO SCROLL CURSOR FOR ${query.text}`, query.params)
    } catch (error) {
      cursor.#isOpen = false
      if (ownsClient) await rollbackAndRelease(client, 'ROLLBACK', error)
      throw error
    }
    return cursor
  }

  async next(): Promise<RawRow[]> {
    if (!this.#isOpen) return []
    let rows: RawRow[]
    try {
      rows = (await this.#run(this.#fetch, [], 'array')).rows as unknown as RawRow[]
    } catch (error) {
      await this.#end(error)
      throw error
    }
    // A short batch is the last one: the client goes back to the pool without another round trip.
    if (rows.length < this.#batchSize) await this.close()
    return rows
  }

  async close(): Promise<void> {
    await this.#end(undefined)
  }

  /** Closes the cursor: its own transaction ends (rolled back after `error`), or the cursor is closed in the caller's. */
  async #end(error: unknown): Promise<void> {
    if (!this.#isOpen) return
    this.#isOpen = false
    if (!this.#ownsClient) {
      // After an error the caller's transaction is aborted (CLOSE would fail too) and ends the cursor with
      // it; the error the caller gets is that first one, not this CLOSE's.
      if (error === undefined) await this.#client.query(`CLOSE ${this.#name}`).catch(() => undefined)
      return
    }
    if (error !== undefined) return rollbackAndRelease(this.#client, 'ROLLBACK', error)
    try {
      await this.#client.query('COMMIT')
      checkIn(this.#client)
    } catch (failure) {
      await rollbackAndRelease(this.#client, 'ROLLBACK', failure)
    }
  }

  #run(text: string, values: readonly unknown[], rowMode?: 'array'): Promise<QueryResult> {
    const config = { text, values: values as unknown[], ...(rowMode ? { rowMode } : {}) }
    const onQuery = this.#onQuery
    if (!onQuery) return this.#client.query(config)
    return runReportedAsync(onQuery, text, values, () => this.#client.query(config), (result) => result.rows.length)
  }
}
