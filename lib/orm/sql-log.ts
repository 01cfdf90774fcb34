import type { QueryEvent } from '../dialect/query-event.js'
import { BootError } from '../errors/boot-error.js'
import { describeValue } from '../errors/validation-error.js'
import type { Logger } from '../util/logger.js'
import type { BootOptions } from './boot-options.js'

/**
 * @internal The one listener the drivers get for the `onQuery` and `logSql` boot options, or undefined
 * when neither is set: the drivers then neither time statements nor build events.
 */
export function queryListener(options: BootOptions, logger: Logger): ((event: QueryEvent) => void) | undefined {
  const { onQuery, logSql } = options
  if (!logSql) return onQuery
  const redact = logSql === true ? undefined : logSql.redact
  const print = logger.info ? logger.info.bind(logger) : logger.warn.bind(logger)
  const log = (event: QueryEvent): void => print(formatSqlLine(event, redact ? redact(event) : event.params))
  if (!onQuery) return log
  return (event) => {
    log(event)
    onQuery(event)
  }
}

/** @internal Refuses an `onQuery` or `logSql` of the wrong shape, as a BootError. */
export function checkQueryOptions(options: BootOptions): void {
  if (options.onQuery !== undefined && typeof options.onQuery !== 'function') {
    throw BootError.badOption(
      `ORM.boot(): onQuery must be a function that receives { sql, params, durationMs, rowCount, runs }, not ${describeValue(options.onQuery)}.`,
    )
  }
  const { logSql } = options
  if (logSql === undefined || typeof logSql === 'boolean') return
  const expected = 'true, false or { redact: (event) => params }'
  if (typeof logSql !== 'object' || logSql === null || Array.isArray(logSql)) {
    throw BootError.badOption(`ORM.boot(): logSql must be ${expected}, not ${describeValue(logSql)}.`)
  }
  for (const key of Object.keys(logSql)) {
    if (key !== 'redact') throw BootError.badOption(`ORM.boot(): logSql has no option '${key}'; it takes ${expected}.`)
  }
  if (logSql.redact !== undefined && typeof logSql.redact !== 'function') {
    throw BootError.badOption(`ORM.boot(): logSql.redact must be a function that returns the parameters to print, not ${describeValue(logSql.redact)}.`)
  }
}

/**
 * One log line: `veil-orm SQL (0.41 ms, 1 row): SELECT ... WHERE "id" = ? -- params: [1]`, with the
 * number of runs of a per-row statement and the error of a failed one.
 */
function formatSqlLine(event: QueryEvent, params: readonly unknown[]): string {
  const timing = `${event.durationMs.toFixed(2)} ms`
  const runs = event.runs > 1 ? `, ${event.runs} runs, params of the first` : ''
  const outcome =
    event.error === undefined
      ? `(${timing}, ${event.rowCount} ${event.rowCount === 1 ? 'row' : 'rows'}${runs})`
      : `failed (${timing}${runs}: ${describeError(event.error)})`
  const shown = params.length === 0 ? '' : ` -- params: ${formatValue(params)}`
  const server = event.server === 'replica' ? ` on replica ${event.replica}` : ''
  return `veil-orm SQL${server} ${outcome}: ${event.sql}${shown}`
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A parameter as a reader expects it: strings quoted, bigints with `n`, bytes counted, arrays listed. */
function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value)
    } catch {
      return String(value)
    }
  }
  return String(value)
}
