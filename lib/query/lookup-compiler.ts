import type { Dialect } from '../dialect/dialect.js'
import { visibilitySql } from '../dialect/soft-delete-sql.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { ParamList, type CompiledQuery } from './param-list.js'

/**
 * @internal Builds the lookups that trace a failed flush's constraint violation back to its rows: which rows
 * hold some values of a unique column, and which ids still have a row. Each binds its list as one parameter.
 */
export class LookupCompiler {
  constructor(readonly dialect: Dialect) {}

  /** The id and `column` of the rows whose `column` holds one of `values` (live rows only, for a soft-deletable class). */
  selectHolders(meta: EntityMetadata, column: ColumnMetadata, values: readonly unknown[]): CompiledQuery {
    const params = new ParamList(this.dialect)
    const name = this.#quote(column.name)
    // The root: a unique index covers the whole table a hierarchy shares, whichever class holds the value.
    const visible = visibilitySql(meta.hierarchy.root, 'live', (name) => this.#quote(name))
    const live = visible && ` AND ${visible}`
    const text =
      `SELECT ${this.#quote(meta.idColumn.name)}, ${name} FROM ${this.#quote(meta.tableName)} ` +
      `WHERE ${params.inList(name, column.type, values)}${live}`
    return { text, params: params.values }
  }

  /** The ids among `ids` that have a row of `meta` (soft-deleted or not). */
  selectExistingIds(meta: EntityMetadata, ids: readonly unknown[]): CompiledQuery {
    const params = new ParamList(this.dialect)
    const id = this.#quote(meta.idColumn.name)
    const text = `SELECT ${id} FROM ${this.#quote(meta.tableName)} WHERE ${params.inList(id, meta.idColumn.type, ids)}`
    return { text, params: params.values }
  }

  #quote(name: string): string {
    return this.dialect.quote(name)
  }
}
