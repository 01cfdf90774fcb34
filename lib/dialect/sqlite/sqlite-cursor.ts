import type { Database as SqliteDatabase } from 'better-sqlite3'
import type { CursorQuery, RawRow, RowCursor } from '../dialect.js'
import { runReported, type QueryListener } from '../query-event.js'

/** @internal What a cursor needs from the SQLite driver that opened it. */
export interface SqliteCursorHost {
  readonly database: SqliteDatabase
  readonly onQuery: QueryListener | undefined
  /** While an `ORM.transaction()` holds the connection: a promise that settles when it ends. */
  readonly transactionDone: Promise<void> | undefined
  /** Tracks the cursors whose statement is open, so that a write can pause them first. */
  readonly openCursors: Set<SqliteCursor>
}

/**
 * @internal An iterating statement (better-sqlite3 `iterate()`) read a batch at a time. better-sqlite3
 * refuses every write, `BEGIN` and `COMMIT` while an iterator is open on the connection, so the driver
 * pauses open cursors before it writes: the statement is closed, and the next batch opens the query
 * again after the last row read (keyset order, `CursorQuery.resumeAfter`), never skipping or repeating
 * a row that did not move. A stream whose loop does not write keeps one statement from start to end.
 */
export class SqliteCursor implements RowCursor {
  readonly #host: SqliteCursorHost
  readonly #query: CursorQuery
  /** Outside a transaction: every (re)opening waits for other contexts' transactions, like the shared connection. */
  readonly #isShared: boolean
  #iterator: IterableIterator<RawRow> | undefined
  #last: RawRow | undefined
  #isDone = false

  constructor(host: SqliteCursorHost, query: CursorQuery, isShared: boolean) {
    this.#host = host
    this.#query = query
    this.#isShared = isShared
  }

  async next(): Promise<RawRow[]> {
    if (this.#isDone) return []
    // better-sqlite3 reads synchronously, so without this the whole stream would run as one job of
    // microtasks: no timer or I/O of the process would run until it ends, and every instance would stay
    // in memory until then, since a WeakRef (the identity map's) keeps its target alive to the job's end.
    if (this.#last) await new Promise<void>((resolve) => setImmediate(resolve))
    if (this.#isDone) return []
    if (!this.#iterator) {
      if (this.#isShared) while (this.#host.transactionDone) await this.#host.transactionDone
      // The cursor may have been closed during the waits.
      if (this.#isDone) return []
      this.#iterator = this.#open()
      this.#host.openCursors.add(this)
    }
    const { batchSize } = this.#query
    const rows: RawRow[] = []
    while (rows.length < batchSize) {
      const step = this.#iterator.next()
      if (step.done) {
        this.#finish()
        break
      }
      rows.push(step.value)
    }
    if (rows.length > 0) this.#last = rows[rows.length - 1]
    return rows
  }

  async close(): Promise<void> {
    this.#finish()
  }

  /** Closes the statement so the connection can write; the next batch opens it again after the last row read. */
  pause(): void {
    this.#iterator?.return?.()
    this.#iterator = undefined
    this.#host.openCursors.delete(this)
  }

  #finish(): void {
    this.pause()
    this.#isDone = true
  }

  #open(): IterableIterator<RawRow> {
    const { text, params } = this.#last ? this.#query.resumeAfter(this.#last) : this.#query
    // A statement of its own, not the driver's cached one: a find() with the same text may run while it iterates.
    const open = (): IterableIterator<RawRow> =>
      this.#host.database.prepare(text).safeIntegers(this.#query.safeIntegers).raw(true).iterate(params as unknown[]) as IterableIterator<RawRow>
    const { onQuery } = this.#host
    return onQuery ? runReported(onQuery, text, params, 1, open, () => 0) : open()
  }
}
