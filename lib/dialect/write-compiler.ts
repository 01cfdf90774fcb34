import type { ColumnMetadata, EntityMetadata, JunctionMetadata } from '../metadata/entity-metadata.js'
import { parentsThatMustBeLive } from '../soft-delete/visibility.js'
import type { Dialect, InsertOp, LinkOp, UpdateOp, WriteOp } from './dialect.js'
import { liveParentsSql, type Quote } from './soft-delete-sql.js'

/**
 * @internal Compiles the ops of a flush into statements of one dialect. The base spells what both databases
 * share (column lists, SET lists, the version and live-parents guards, junction pairs); each dialect decides
 * how rows are batched and bound, and the statement shape its driver runs (`Statement`).
 */
export abstract class WriteCompiler<Statement> {
  protected readonly quote: Quote

  constructor(dialect: Pick<Dialect, 'quote'>) {
    this.quote = (name) => dialect.quote(name)
  }

  /** The statement of one op, its pending ids already resolved. */
  compile(op: WriteOp): Statement {
    switch (op.kind) {
      case 'insert':
        return this.compileInsert(op)
      case 'update':
        return this.compileUpdate(op)
      default:
        return this.compileLink(op)
    }
  }

  protected abstract compileInsert(op: InsertOp): Statement
  protected abstract compileUpdate(op: UpdateOp): Statement
  protected abstract compileLink(op: LinkOp): Statement

  /** `INSERT INTO table (columns)` of an insert op. */
  protected insertIntoSql(op: InsertOp): string {
    return `INSERT INTO ${this.quote(op.meta.tableName)} (${op.columns.map((column) => this.quote(column.name)).join(', ')})`
  }

  /** The id column of `meta`, on an optional `alias.` qualifier. */
  protected idSql(meta: EntityMetadata, qualifier = ''): string {
    return `${qualifier}${this.quote(meta.idColumn.name)}`
  }

  /** ` RETURNING id` when the database generates the ids of `meta`, '' otherwise. */
  protected returningIdSql(meta: EntityMetadata): string {
    return meta.isIdGenerated ? ` RETURNING ${this.idSql(meta)}` : ''
  }

  /**
   * The `SET` list of an update op, each value spelled by `value(i)` for the op's i-th column. No columns:
   * the rows are only checked, their `updated_at` set to itself (on `qualifier`, the table's alias).
   */
  protected updateSetSql(op: UpdateOp, value: (column: number) => string, qualifier = ''): string {
    const updatedAt = this.quote(op.meta.updatedAtColumn.name)
    if (op.columns.length === 0) return `${updatedAt} = ${qualifier}${updatedAt}`
    return op.columns.map((column, i) => `${this.quote(column.name)} = ${value(i)}`).join(', ')
  }

  /**
   * The conditions an update op adds after the id match: the checked column, live parents. A parent
   * reference the same update changes is checked at its new value, `newValue(i)` for the op's i-th column
   * (the WHERE of an UPDATE sees the old row).
   */
  protected updateGuardSql(op: UpdateOp, checkValue: string, qualifier: string, newValue: (column: number) => string): string {
    // A version column added to a table that had rows holds NULL there: those rows count as version 0.
    let sql = op.check ? ` AND COALESCE(${qualifier}${this.quote(op.check.name)}, 0) = ${checkValue}` : ''
    if (!op.underLiveParents) return sql
    const valueOf = (column: ColumnMetadata): string | undefined => {
      const i = op.columns.indexOf(column)
      return i < 0 ? undefined : newValue(i)
    }
    for (const condition of liveParentsSql(op.meta, this.quote, qualifier, valueOf)) sql += ` AND ${condition}`
    return sql
  }

  /** The op's column positions of the parent references its live-parents guard checks at their new value. */
  protected reassignedParents(op: UpdateOp): number[] {
    if (!op.underLiveParents) return []
    return parentsThatMustBeLive(op.meta)
      .map((relation) => op.columns.indexOf(relation.column as ColumnMetadata))
      .filter((i) => i >= 0)
  }

  /** The quoted table, owner column and target column of a junction. */
  protected junctionSql(junction: JunctionMetadata): { readonly table: string; readonly owner: string; readonly target: string } {
    return { table: this.quote(junction.tableName), owner: this.quote(junction.ownerColumn), target: this.quote(junction.targetColumn) }
  }
}
