import type { InsertOp, LinkOp, UpdateOp } from '../dialect.js'
import { keepHiddenMembersSql } from '../soft-delete-sql.js'
import { WriteCompiler } from '../write-compiler.js'

const INSERT_CHUNK_ROWS = 64
const MAX_SQLITE_PARAMS = 32_766
/** The largest rowid: once a table holds it, SQLite picks free rowids at random for new rows. */
const MAX_ROWID = 9_223_372_036_854_775_807n
/** No cell is bound twice. */
const NONE: readonly number[] = Object.freeze([])

/**
 * @internal One SQLite statement run once per row: the row's cells are its parameters, then the cells at
 * `rebound` again (SQLite's `?` are positional, so a value the text uses twice is bound twice). With
 * `mustHit`, a run that changes no row missed its row.
 */
export interface SqliteEachRow {
  readonly kind: 'eachRow'
  readonly text: string
  readonly rows: readonly unknown[][]
  readonly rebound: readonly number[]
  readonly mustHit: boolean
}

/**
 * @internal A batched insert: rows [0, `chunked`) by `manyText`, `chunk` rows (flattened) a run; the rest one
 * row a run by `oneText`. An empty text is not run. Generated ids are the last insert rowid of each run: a
 * multi-row run's ids are consecutive, up to its last one, unless `consecutiveIdsText` says otherwise (the
 * table has a trigger, which could insert rows of its own in between, or no rowid is left above the largest),
 * and then `manyReturningText` returns them.
 */
export interface SqliteInsert {
  readonly kind: 'insert'
  readonly table: string
  readonly rows: readonly unknown[][]
  readonly chunk: number
  readonly chunked: number
  readonly manyText: string
  readonly manyReturningText: string
  readonly consecutiveIdsText: string
  readonly oneText: string
  /** The database generates the ids: the driver collects them. */
  readonly returnsIds: boolean
  /** The ids are BIGINT: read as bigint, not number. */
  readonly bigintIds: boolean
}

/** @internal A write op compiled for the SQLite driver. */
export type SqliteWrite = SqliteInsert | SqliteEachRow

/** @internal SQLite's writes: multi-row VALUES in chunks for inserts, one prepared statement run per row otherwise. */
export class SqliteWriteCompiler extends WriteCompiler<SqliteWrite> {
  /** Full chunks with one multi-row statement each (a third faster than a statement per row), the remainder row by row. */
  protected override compileInsert(op: InsertOp): SqliteInsert {
    const into = this.insertIntoSql(op)
    const tuple = `(${op.columns.map(() => '?').join(', ')})`
    const chunk = Math.max(1, Math.min(INSERT_CHUNK_ROWS, Math.floor(MAX_SQLITE_PARAMS / op.columns.length)))
    const chunked = chunk > 1 ? Math.floor(op.rows.length / chunk) * chunk : 0
    const manyText = chunked > 0 ? `${into} VALUES ${new Array(chunk).fill(tuple).join(', ')}` : ''
    const returnsIds = op.meta.isIdGenerated && chunked > 0
    const table = this.quote(op.meta.tableName)
    return {
      kind: 'insert',
      table: op.meta.tableName,
      rows: op.rows,
      chunk,
      chunked,
      manyText,
      manyReturningText: returnsIds ? `${manyText}${this.returningIdSql(op.meta)}` : '',
      consecutiveIdsText: returnsIds
        ? `SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?) AND COALESCE((SELECT max(rowid) FROM ${table}), 0) <= ${MAX_ROWID - BigInt(chunk)}`
        : '',
      oneText: chunked < op.rows.length ? `${into} VALUES ${tuple}` : '',
      returnsIds: op.meta.isIdGenerated,
      bigintIds: op.meta.idType === 'BIGINT',
    }
  }

  /** One statement per row; a row that changes nothing missed its row. */
  protected override compileUpdate(op: UpdateOp): SqliteEachRow {
    const text =
      `UPDATE ${this.quote(op.meta.tableName)} SET ${this.updateSetSql(op, () => '?')} ` +
      `WHERE ${this.idSql(op.meta)} = ?${this.updateGuardSql(op, '?', '', () => '?')}`
    // Parent references checked at their new value are bound again after the others.
    return { kind: 'eachRow', text, rows: op.rows, rebound: this.reassignedParents(op), mustHit: true }
  }

  protected override compileLink(op: LinkOp): SqliteEachRow {
    const { table, owner, target } = this.junctionSql(op.junction)
    const text =
      op.kind === 'link'
        ? `INSERT INTO ${table} (${owner}, ${target}) VALUES (?, ?) ON CONFLICT DO NOTHING`
        : op.kind === 'unlink'
          ? `DELETE FROM ${table} WHERE ${owner} = ? AND ${target} = ?`
          : `DELETE FROM ${table} WHERE ${owner} = ?${keepHiddenMembersSql(op.junction, this.quote)}`
    return { kind: 'eachRow', text, rows: op.rows, rebound: NONE, mustHit: false }
  }
}
