import type { Dialect } from '../dialect/dialect.js'
import { visibilitySql } from '../dialect/soft-delete-sql.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { callWhereSql } from './call-where.js'
import type { QueryCompiler } from './query-compiler.js'
import { ParamList, type CompiledQuery } from './param-list.js'

/**
 * @internal Builds the statements of a guarded hard delete (`delete()`, `Class.delete({ where })`) and of
 * `getDependents()`/`getReferencers()`: the ids to delete, the dependents count, the referencing rows and
 * the DELETE itself. The where conditions, id lists and select lists come from the {@link QueryCompiler}.
 */
export class DeleteCompiler {
  readonly #dialect: Dialect

  constructor(readonly query: QueryCompiler) {
    this.#dialect = query.dialect
  }

  /** The ids of the rows that match `where`, in id order: what `Class.delete({ where })` deletes. */
  selectIdsWhere(meta: EntityMetadata, where: object): CompiledQuery {
    const params = new ParamList(this.#dialect)
    // Every row, soft-deleted or not, of the class (and its descendants, in a table a hierarchy shares).
    const matched = callWhereSql(this.query, meta, where, params, 'delete')
    const classes = visibilitySql(meta, 'all', (name) => this.#quote(name))
    const condition = matched && classes ? `(${matched}) AND ${classes}` : matched || classes
    const id = this.#quote(meta.idColumn.name)
    const text = `SELECT ${id} FROM ${this.#quote(meta.tableName)}${condition ? ` WHERE ${condition}` : ''} ORDER BY ${id}`
    return { text, params: params.values }
  }

  /**
   * How many rows of `owner` point at the ids, one sum per relation in `relations` order; only rows that
   * point through one of them are read.
   */
  countDependents(owner: EntityMetadata, relations: readonly RelationMetadata[], ids: readonly unknown[]): CompiledQuery {
    const params = new ParamList(this.#dialect)
    const sums = relations.map((relation) => `SUM(CASE WHEN ${this.#matchSql(owner, relation, ids, params)} THEN 1 ELSE 0 END)`)
    const where = relations.map((relation) => this.#matchSql(owner, relation, ids, params)).join(' OR ')
    return { text: `SELECT ${sums.join(', ')} FROM ${this.#quote(owner.tableName)} WHERE ${where}`, params: params.values }
  }

  /**
   * Every column of the rows of `owner` that point at the ids through any of `relations`, in id order (at
   * most `limit`); with 'live', soft-deleted rows are left out.
   */
  selectReferencing(
    owner: EntityMetadata,
    relations: readonly RelationMetadata[],
    ids: readonly unknown[],
    limit: number | undefined,
    visibility: 'live' | 'all',
  ): CompiledQuery {
    const params = new ParamList(this.#dialect)
    let where = `(${relations.map((relation) => this.#matchSql(owner, relation, ids, params)).join(' OR ')})`
    const visible = visibilitySql(owner, visibility, (name) => this.#quote(name))
    if (visible) where += ` AND ${visible}`
    const text =
      `SELECT ${this.query.selectList(owner)} FROM ${this.#quote(owner.tableName)} WHERE ${where} ORDER BY ${this.#quote(owner.idColumn.name)}` +
      (limit === undefined ? '' : ` LIMIT ${limit}`)
    return { text, params: params.values }
  }

  /** The DELETE of the rows with these ids (run after the dependents count found none). */
  deleteByIds(meta: EntityMetadata, ids: readonly unknown[]): CompiledQuery {
    const params = new ParamList(this.#dialect)
    const condition = this.query.inIds(this.#quote(meta.idColumn.name), meta.idColumn.type, ids, params)
    return { text: `DELETE FROM ${this.#quote(meta.tableName)} WHERE ${condition}`, params: params.values }
  }

  /** The condition "this row of `owner` points at one of the ids through `relation`". */
  #matchSql(owner: EntityMetadata, relation: RelationMetadata, ids: readonly unknown[], params: ParamList): string {
    if (relation.kind === 'toOne') {
      const column = relation.column as ColumnMetadata
      return this.query.inIds(this.#quote(column.name), column.type, ids, params)
    }
    const junction = relation.junction as JunctionMetadata
    const targets = this.query.inIds(this.#quote(junction.targetColumn), relation.target.idColumn.type, ids, params)
    return (
      `${this.#quote(owner.idColumn.name)} IN ` +
      `(SELECT ${this.#quote(junction.ownerColumn)} FROM ${this.#quote(junction.tableName)} WHERE ${targets})`
    )
  }

  #quote(name: string): string {
    return this.#dialect.quote(name)
  }
}
