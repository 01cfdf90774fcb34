import type { Dialect } from '../dialect/dialect.js'
import { visibilitySql } from '../dialect/soft-delete-sql.js'
import type { ColumnType } from '../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { callWhereSql } from './call-where.js'
import type { QueryCompiler } from './query-compiler.js'
import { ParamList, type CompiledQuery } from './param-list.js'

/** The text of each class's guarded single-row DELETE, per compiler (one per booted ORM): it never varies. */
const guardedDeletes = new WeakMap<QueryCompiler, Map<EntityMetadata, { readonly text: string; readonly types: readonly ColumnType[] }>>()

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

  /**
   * The DELETE of one row that only happens when no row of `dependencies` points at it (soft-deleted ones
   * included): `DELETE ... WHERE id = ? AND NOT EXISTS (...)`, one statement, atomic on its own. The
   * dependencies are required to-one relations, so each check reads the referencing column's index.
   */
  deleteUnreferenced(meta: EntityMetadata, dependencies: ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>, id: unknown): CompiledQuery {
    let statements = guardedDeletes.get(this.query)
    if (!statements) guardedDeletes.set(this.query, (statements = new Map()))
    let statement = statements.get(meta)
    if (!statement) {
      const types: ColumnType[] = [meta.idColumn.type]
      const guards = [`${this.#quote(meta.idColumn.name)} = ${this.#dialect.placeholder(1)}`]
      for (const [owner, relations] of dependencies) {
        for (const relation of relations) {
          const column = relation.column as ColumnMetadata
          types.push(column.type)
          const match = `${this.#quote(column.name)} = ${this.#dialect.placeholder(types.length)}`
          guards.push(`NOT EXISTS (SELECT 1 FROM ${this.#quote(owner.tableName)} WHERE ${match})`)
        }
      }
      statement = { text: `DELETE FROM ${this.#quote(meta.tableName)} WHERE ${guards.join(' AND ')}`, types }
      statements.set(meta, statement)
    }
    return { text: statement.text, params: statement.types.map((type) => this.#dialect.encode(type, id)) }
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
