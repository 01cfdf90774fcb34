import type { ColumnType } from '../../metadata/column-type.js'
import type { ColumnMetadata } from '../../metadata/entity-metadata.js'
import type { InsertOp, LinkOp, UpdateOp } from '../dialect.js'
import { keepHiddenMembersSql } from '../soft-delete-sql.js'
import { WriteCompiler } from '../write-compiler.js'
import { ARRAY_ELEMENT_SQL } from './postgres-dialect.js'

/**
 * @internal One PostgreSQL statement of a write, and how its driver reads the result: `none`; `ids`, the
 * generated ids, decoded as `idType`, in row order; `hitOne`, the single row must be changed; `hitIds`,
 * the ids it returns must include cell `idCell` of every row of the op (the others missed their row).
 */
export interface PostgresWrite {
  readonly text: string
  readonly params: readonly unknown[]
  readonly rowMode: 'array' | undefined
  readonly result: 'none' | 'ids' | 'hitOne' | 'hitIds'
  readonly idType: ColumnType
  readonly idCell: number
}

/** @internal SQLSTATE division_by_zero: what an all-or-nothing UPDATE raises when it missed a row. */
export const ALL_OR_NOTHING_MISSED = '22012'

/**
 * @internal PostgreSQL's writes: one statement per op whatever its rows, each column bound as one array and
 * spread by `unnest()`, so the statement text stays fixed for any number of rows and is prepared once.
 */
export class PostgresWriteCompiler extends WriteCompiler<PostgresWrite> {
  protected override compileInsert(op: InsertOp): PostgresWrite {
    const binding = new ColumnBinding(op.rows)
    // A statement without any array would not know the row count (a class with no columns but timestamps).
    const isShared = op.columns.map((column) => isSameInEveryRow(op, column))
    const hasArray = isShared.includes(false)
    const select = op.columns.map((column, c) => binding.cell(c, ARRAY_ELEMENT_SQL[column.type], hasArray && isShared[c] === true))
    const text = `${this.insertIntoSql(op)} SELECT ${select.join(', ')} FROM ${binding.unnestSql()}${this.returningIdSql(op.meta)}`
    // PostgreSQL returns the rows of INSERT ... SELECT in the order they were produced.
    const result = op.meta.isIdGenerated ? 'ids' : 'none'
    return { text, params: binding.params, rowMode: 'array', result, idType: op.meta.idColumn.type, idCell: 0 }
  }

  /** One row checks the row count; a batch (`UPDATE ... FROM unnest`) returns the ids it hit. */
  protected override compileUpdate(op: UpdateOp): PostgresWrite {
    const table = this.quote(op.meta.tableName)
    const n = op.columns.length
    const idType = op.meta.idColumn.type
    if (op.rows.length === 1) {
      const text =
        `UPDATE ${table} SET ${this.updateSetSql(op, (i) => `$${i + 1}`)} ` +
        `WHERE ${this.idSql(op.meta)} = $${n + 1}${this.updateGuardSql(op, `$${n + 2}`, '', (i) => `$${i + 1}`)}`
      return { text, params: op.rows[0] as unknown[], rowMode: undefined, result: 'hitOne', idType, idCell: n }
    }
    const binding = new ColumnBinding(op.rows)
    const values = op.columns.map((column, i) => binding.cell(i, ARRAY_ELEMENT_SQL[column.type], isSameInEveryRow(op, column)))
    const id = binding.cell(n, ARRAY_ELEMENT_SQL[idType], false, 'id')
    const check = op.check ? binding.cell(n + 1, ARRAY_ELEMENT_SQL[op.check.type], false, 'chk') : ''
    const text =
      `UPDATE ${table} AS t SET ${this.updateSetSql(op, (i) => values[i] as string, 't.')} FROM ${binding.unnestSql()} ` +
      `WHERE ${this.idSql(op.meta, 't.')} = ${id}${this.updateGuardSql(op, check, 't.', (i) => values[i] as string)} ` +
      `RETURNING ${this.idSql(op.meta, 't.')}`
    return { text, params: binding.params, rowMode: 'array', result: 'hitIds', idType, idCell: n }
  }

  /**
   * A batched UPDATE as one statement that changes nothing unless it hits every row: a partial miss divides
   * by zero ({@link ALL_OR_NOTHING_MISSED}), which rolls the whole statement back without a transaction, and
   * missing every row returns no row. One row per row hit, so that the query log counts the rows changed.
   */
  compileAllOrNothing(op: UpdateOp): PostgresWrite {
    const update = this.compileUpdate(op)
    const params = [...update.params, op.rows.length]
    const text = `WITH hit AS (${update.text}) SELECT 1 / (count(*) OVER () = $${params.length})::int FROM hit`
    return { ...update, text, params, result: 'none' }
  }

  protected override compileLink(op: LinkOp): PostgresWrite {
    const { junction } = op
    const { table, owner, target } = this.junctionSql(junction)
    const ownerType = ARRAY_ELEMENT_SQL[junction.ownerType]
    const owners = op.rows.map((row) => row[0])
    const statement = { rowMode: undefined, result: 'none', idType: junction.ownerType, idCell: 0 } as const
    if (op.kind === 'unlinkAll') {
      return { ...statement, text: `DELETE FROM ${table} WHERE ${owner} = ANY($1::${ownerType}[])${keepHiddenMembersSql(junction, this.quote)}`, params: [owners] }
    }
    const pairs = `unnest($1::${ownerType}[], $2::${ARRAY_ELEMENT_SQL[junction.targetType]}[])`
    const text =
      op.kind === 'link'
        ? `INSERT INTO ${table} (${owner}, ${target}) SELECT * FROM ${pairs} ON CONFLICT DO NOTHING`
        : `DELETE FROM ${table} AS j USING ${pairs} AS v(o, t) WHERE j.${owner} = v.o AND j.${target} = v.t`
    return { ...statement, text, params: [owners, op.rows.map((row) => row[1])] }
  }
}

/**
 * Whether every row of the op holds the same cell in `column`: the write's timestamps (one per write, see
 * RowEncoder), and an inserted row's first version. Bound once instead of as an array of identical
 * values, which PostgreSQL would parse once per row; the statement text stays fixed per column set.
 */
function isSameInEveryRow(op: InsertOp | UpdateOp, column: ColumnMetadata): boolean {
  return column.role === 'createdAt' || column.role === 'updatedAt' || (op.kind === 'insert' && column.role === 'version')
}

/**
 * The parameters of a write over many rows: a cell that every row shares is bound once (`$n::type`), any
 * other cell as one array per column, spread by `unnest()` into columns `v.c0`, `v.c1`, ...
 */
class ColumnBinding {
  readonly params: unknown[] = []
  readonly #arrays: string[] = []
  readonly #aliases: string[] = []

  constructor(readonly rows: readonly unknown[][]) {}

  /** Binds cell `c` of the rows and returns how the statement reads it (an array as `v.<alias>`, c0, c1... by default). */
  cell(c: number, type: string, isShared: boolean, alias = `c${this.#aliases.length}`): string {
    const { rows, params } = this
    if (isShared) {
      params.push(rows[0]?.[c] ?? null)
      return `$${params.length}::${type}`
    }
    const column = new Array<unknown>(rows.length)
    for (let r = 0; r < rows.length; r++) column[r] = (rows[r] as unknown[])[c]
    params.push(column)
    this.#arrays.push(`$${params.length}::${type}[]`)
    this.#aliases.push(alias)
    return `v.${alias}`
  }

  /** `unnest($1::type[], ...) AS v(c0, ...)`: the arrays bound so far. */
  unnestSql(): string {
    return `unnest(${this.#arrays.join(', ')}) AS v(${this.#aliases.join(', ')})`
  }
}
