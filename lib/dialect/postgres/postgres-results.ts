import type { QueryResult } from 'pg'
import type { RawRow } from '../dialect.js'

// What the driver reads off pg's results: counts, and which rows a batched write missed.

/** @internal Rows returned, or changed by a statement without RETURNING. */
export function rowCountOf(result: QueryResult): number {
  return result.rowCount ?? result.rows.length
}

/** @internal The positions of the rows whose id (cell `idCell`) is not among the ids returned. */
export function missedRows(rows: readonly unknown[][], idCell: number, returned: readonly RawRow[]): number[] {
  const hit = new Set(returned.map((row) => String(row[0]).toLowerCase()))
  const missed: number[] = []
  rows.forEach((row, r) => {
    if (!hit.has(String(row[idCell]).toLowerCase())) missed.push(r)
  })
  return missed
}
