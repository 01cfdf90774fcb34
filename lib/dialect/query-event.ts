/**
 * One statement veil-orm sent, as `ORM.boot({ onQuery })` receives it. A statement that a write runs
 * once per row (SQLite runs a prepared statement per row) is one event: `runs` says how often it ran,
 * `rowCount` and `durationMs` are totals, and `params` are those of the first run.
 *
 * ```ts
 * await ORM.boot([Account], { onQuery: ({ sql, params, durationMs, rowCount }) => console.log(sql, params, durationMs, rowCount) })
 * ```
 */
export interface QueryEvent {
  /** The SQL text, with placeholders (`?` on SQLite, `$1` on PostgreSQL). */
  readonly sql: string
  /** The values bound to the placeholders (of the first run when `runs` > 1), as sent to the driver. */
  readonly params: readonly unknown[]
  /** Milliseconds from sending the statement to having its result (all runs together). */
  readonly durationMs: number
  /** Rows returned by a SELECT or RETURNING, otherwise rows changed (all runs together); 0 when it failed. */
  readonly rowCount: number
  /** How many times the statement ran: 1, or the number of rows (or chunks) of a SQLite batched write. */
  readonly runs: number
  /** The driver's error when the statement failed (the ORM call rejects with a typed error made from it). */
  readonly error?: unknown
  /**
   * Which server ran it: `'primary'` (the `sqlite` or `postgres` database), or `'replica'` for one of
   * boot's `replicas`, whose position in that list is `replica`.
   */
  readonly server: 'primary' | 'replica'
  /** With `server: 'replica'`: the replica's index in boot's `replicas` list. */
  readonly replica?: number
}

/** @internal An event as a driver makes it; {@link onServer} says which server ran it. */
export type StatementEvent = Omit<QueryEvent, 'server' | 'replica'>

/** @internal Receives every statement's event; drivers only time statements when one is set. */
export type QueryListener = (event: StatementEvent) => void

/** @internal A driver's listener that hands each event on to `listener` with the server that ran it. */
export function onServer(
  listener: ((event: QueryEvent) => void) | undefined,
  server: 'primary' | 'replica',
  replica?: number,
): QueryListener | undefined {
  if (!listener) return undefined
  return server === 'primary' ? (event) => listener({ ...event, server }) : (event) => listener({ ...event, server, replica })
}

/**
 * @internal Runs a synchronous statement (or a loop of runs of one statement) and reports it, failed
 * or not. Only called when a listener is set: without one, drivers run the statement directly.
 */
export function runReported<T>(
  listener: QueryListener,
  sql: string,
  params: readonly unknown[],
  runs: number,
  run: () => T,
  countRows: (result: T) => number,
): T {
  const start = performance.now()
  let result: T
  try {
    result = run()
  } catch (error) {
    listener({ sql, params, durationMs: performance.now() - start, rowCount: 0, runs, error })
    throw error
  }
  listener({ sql, params, durationMs: performance.now() - start, rowCount: countRows(result), runs })
  return result
}

/** @internal {@link runReported} for a statement that runs asynchronously. */
export async function runReportedAsync<T>(
  listener: QueryListener,
  sql: string,
  params: readonly unknown[],
  run: () => Promise<T>,
  countRows: (result: T) => number,
): Promise<T> {
  const start = performance.now()
  let result: T
  try {
    result = await run()
  } catch (error) {
    listener({ sql, params, durationMs: performance.now() - start, rowCount: 0, runs: 1, error })
    throw error
  }
  listener({ sql, params, durationMs: performance.now() - start, rowCount: countRows(result), runs: 1 })
  return result
}
