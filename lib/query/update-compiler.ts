import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { visibilitySql } from '../dialect/soft-delete-sql.js'
import type { Visibility } from '../soft-delete/visibility.js'
import { callWhereSql } from './call-where.js'
import { ParamList, type CompiledQuery } from './param-list.js'
import type { QueryCompiler } from './query-compiler.js'

/** @internal One column a bulk update sets, with its checked value (null clears it). */
export interface ColumnWrite {
  readonly column: ColumnMetadata
  readonly value: unknown
}

/**
 * @internal `Class.update({ where }, values)`: one UPDATE of the rows `visibility` sees that match `where`,
 * setting `writes`, updatedAt to `now` and a versioned class's version + 1. Returns the ids it hit, then
 * the new version of a versioned class.
 */
export function updateWhereSql(
  query: QueryCompiler,
  meta: EntityMetadata,
  writes: readonly ColumnWrite[],
  now: Date,
  where: object,
  visibility: Visibility,
): CompiledQuery {
  const dialect = query.dialect
  const quote = (name: string): string => dialect.quote(name)
  // Parameters are bound in the order they appear in the text: SQLite's `?` are positional.
  const params = new ParamList(dialect)
  const set = writes.map(({ column, value }) => `${quote(column.name)} = ${value === null ? 'NULL' : params.bind(dialect.encode(column.type, value))}`)
  set.push(`${quote(meta.updatedAtColumn.name)} = ${params.bind(dialect.encode('date', now))}`)
  const version = meta.versionColumn && quote(meta.versionColumn.name)
  if (version) set.push(`${version} = COALESCE(${version}, 0) + 1`)
  const condition = callWhereSql(query, meta, where, params, 'update')
  const conditions = [condition && `(${condition})`, visibilitySql(meta, visibility, quote)].filter((sql) => sql !== '')
  const returning = `${quote(meta.idColumn.name)}${version ? `, ${version}` : ''}`
  const text =
    `UPDATE ${quote(meta.tableName)} SET ${set.join(', ')}` + (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') + ` RETURNING ${returning}`
  return { text, params: params.values }
}
