import type { ColumnType } from '../../metadata/column-type.js'
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

/**
 * @internal PostgreSQL's writes: one statement per op whatever its rows, each column bound as one array and
 * spread by `unnest()`, so the statement text stays fixed for any number of rows and is prepared once.
 */
export class PostgresWriteCompiler extends WriteCompiler<PostgresWrite> {
  protected override compileInsert(op: InsertOp): PostgresWrite {
    const types = op.columns.map((column) => ARRAY_ELEMENT_SQL[column.type])
    const text = `${this.insertIntoSql(op)} SELECT * FROM unnest(${arrayParams(types)})${this.returningIdSql(op.meta)}`
    // PostgreSQL returns the rows of INSERT ... SELECT in the order they were produced.
    const result = op.meta.isIdGenerated ? 'ids' : 'none'
    return { text, params: transpose(op.rows, op.columns.length), rowMode: 'array', result, idType: op.meta.idColumn.type, idCell: 0 }
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
    const types = [...op.columns, op.meta.idColumn, ...(op.check ? [op.check] : [])].map((column) => ARRAY_ELEMENT_SQL[column.type])
    // Aliases of the unnest() columns: the new values, the row's id, the checked value.
    const aliases = [...op.columns.map((_, i) => `c${i}`), 'id', ...(op.check ? ['chk'] : [])]
    const text =
      `UPDATE ${table} AS t SET ${this.updateSetSql(op, (i) => `v.c${i}`, 't.')} FROM unnest(${arrayParams(types)}) ` +
      `AS v(${aliases.join(', ')}) WHERE ${this.idSql(op.meta, 't.')} = v.id${this.updateGuardSql(op, 'v.chk', 't.', (i) => `v.c${i}`)} ` +
      `RETURNING ${this.idSql(op.meta, 't.')}`
    return { text, params: transpose(op.rows, aliases.length), rowMode: 'array', result: 'hitIds', idType, idCell: n }
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
