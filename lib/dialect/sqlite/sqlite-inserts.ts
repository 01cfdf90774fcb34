import type { Statement } from 'better-sqlite3'
import { runReported, type QueryListener } from '../query-event.js'
import type { SqliteInsert } from './sqlite-write-compiler.js'

/** @internal What a batched insert needs of the SQLite driver: its statement cache and its query listener. */
export interface InsertRunner {
  readonly onQuery: QueryListener | undefined
  statement(text: string): Statement
}

/** @internal Runs a batched insert, chunks first, each of its statements prepared once per table; returns the generated ids. */
export function runInsert(runner: InsertRunner, insert: SqliteInsert): unknown[] | undefined {
  const { rows, chunk, chunked } = insert
  const ids: unknown[] | undefined = insert.returnsIds ? [] : undefined
  const { onQuery } = runner
  if (chunked > 0) {
    const readsIds = ids !== undefined && !hasConsecutiveIds(runner, insert)
    const text = readsIds ? insert.manyReturningText : insert.manyText
    const insertChunks = (): number => (readsIds ? insertChunksReturning(runner, insert, ids) : insertChunksConsecutive(runner, insert, ids))
    if (onQuery) runReported(onQuery, text, rows.slice(0, chunk).flat(), chunked / chunk, insertChunks, () => chunked)
    else insertChunks()
  }
  if (chunked < rows.length) {
    const insertRest = (): number => insertOneByOne(runner, insert, ids)
    if (onQuery) runReported(onQuery, insert.oneText, rows[chunked] ?? [], rows.length - chunked, insertRest, () => rows.length - chunked)
    else insertRest()
  }
  return ids
}

/** Whether the ids of a multi-row run are sure to be consecutive (see SqliteInsert): one lookup per insert op. */
function hasConsecutiveIds(runner: InsertRunner, insert: SqliteInsert): boolean {
  const check = (): boolean => Number(runner.statement(insert.consecutiveIdsText).pluck(true).get(insert.table)) === 1
  const { onQuery } = runner
  return onQuery ? runReported(onQuery, insert.consecutiveIdsText, [insert.table], 1, check, () => 1) : check()
}

/** The rows of the chunk starting at `first`, flattened into `params` (one array, refilled for every run). */
function fillChunk(params: unknown[], rows: readonly unknown[][], first: number, chunk: number): unknown[] {
  params.length = 0
  for (let r = first; r < first + chunk; r++) for (const cell of rows[r] as unknown[]) params.push(cell)
  return params
}

/** Inserts rows [0, chunked), `chunk` rows a run; their ids (when collected) end at each run's last insert rowid. */
function insertChunksConsecutive(runner: InsertRunner, { manyText, rows, chunk, chunked, bigintIds }: SqliteInsert, ids: unknown[] | undefined): number {
  const many = runner.statement(manyText)
  if (ids) many.safeIntegers(bigintIds)
  const params: unknown[] = []
  for (let row = 0; row < chunked; row += chunk) {
    const last = many.run(fillChunk(params, rows, row, chunk)).lastInsertRowid
    if (!ids) continue
    if (typeof last === 'bigint') for (let k = BigInt(chunk - 1); k >= 0n; k--) ids.push(last - k)
    else for (let k = chunk - 1; k >= 0; k--) ids.push(last - k)
  }
  return chunked
}

/** Inserts rows [0, chunked), `chunk` rows a run, reading their ids back with RETURNING. */
function insertChunksReturning(runner: InsertRunner, { manyReturningText, rows, chunk, chunked, bigintIds }: SqliteInsert, ids: unknown[]): number {
  const many = runner.statement(manyReturningText)
  many.safeIntegers(bigintIds).pluck(true)
  const params: unknown[] = []
  for (let row = 0; row < chunked; row += chunk) {
    // RETURNING order is unspecified, but AUTOINCREMENT ids grow in VALUES order within a statement.
    const chunkIds = many.all(fillChunk(params, rows, row, chunk)) as (number | bigint)[]
    chunkIds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    for (const id of chunkIds) ids.push(id)
  }
  return chunked
}

/** Inserts the rows from `chunked` on, one statement run each; collects generated ids into `ids`. */
function insertOneByOne(runner: InsertRunner, { oneText, rows, chunked, bigintIds }: SqliteInsert, ids: unknown[] | undefined): number {
  const one = runner.statement(oneText)
  if (ids) one.safeIntegers(bigintIds)
  for (let row = chunked; row < rows.length; row++) {
    const result = one.run(rows[row] as unknown[])
    if (ids) ids.push(result.lastInsertRowid)
  }
  return rows.length - chunked
}
