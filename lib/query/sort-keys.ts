import { ValidationError } from '../errors/validation-error.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'

/** @internal One column of a query's order; the id is always the last one, so that the order is total. */
export interface SortKey {
  readonly column: ColumnMetadata
  readonly isDescending: boolean
}

/** @internal The sort keys of an `orderBy` option (checked), the id appended to break ties. */
export function sortKeysOf(meta: EntityMetadata, orderBy: object): SortKey[] {
  if (orderBy === null || typeof orderBy !== 'object') {
    throw ValidationError.badOption(`${meta.className}.find(): 'orderBy' must be an object such as { createdAt: 'desc' }.`)
  }
  const keys: SortKey[] = []
  let hasId = false
  for (const [key, direction] of Object.entries(orderBy)) {
    const column = meta.byProperty.get(key)
    if (!column) throw ValidationError.unknownProperty(meta.className, key, meta.propertyNames)
    const normalized = typeof direction === 'string' ? direction.toUpperCase() : ''
    if (normalized !== 'ASC' && normalized !== 'DESC') {
      throw ValidationError.badOption(`${meta.className}.find(): orderBy.${key} must be 'asc' or 'desc', not ${JSON.stringify(direction)}.`)
    }
    hasId ||= column.role === 'id'
    keys.push({ column, isDescending: normalized === 'DESC' })
  }
  // The id breaks ties so that limit/offset pages are stable.
  if (!hasId) keys.push({ column: meta.idColumn, isDescending: false })
  return keys
}

/** @internal The ORDER BY list of `keys`. */
export function orderBySql(keys: readonly SortKey[], quote: (name: string) => string): string {
  return keys
    .map(({ column, isDescending }) => {
      // NULL sorts after every value on both databases, as PostgreSQL does by default (SQLite would put
      // it first): the same query returns the same order everywhere.
      const nulls = column.nullable ? (isDescending ? ' NULLS FIRST' : ' NULLS LAST') : ''
      return `${quote(column.name)} ${isDescending ? 'DESC' : 'ASC'}${nulls}`
    })
    .join(', ')
}

/**
 * @internal The condition "sorts after `row`" in the order of `keys` (keyset order): the rows a read that
 * stopped at `row` has not returned yet. `row` holds the raw values as the driver returned them, by column
 * index; they are bound as they are, so they compare exactly as the stored ones. NULLs sort as
 * {@link orderBySql} puts them: last ascending, first descending.
 */
export function afterRowSql(keys: readonly SortKey[], row: readonly unknown[], quote: (name: string) => string, bind: (value: unknown) => string): string {
  // Written first key to last, so that the parameters are bound in the order their placeholders appear.
  const after = (k: number): string => {
    const { column, isDescending } = keys[k] as SortKey
    const name = quote(column.name)
    const value = row[column.index]
    const isLast = k === keys.length - 1
    if (value === null || value === undefined) {
      // Only a nullable column, never the id (the last key), holds NULL.
      return isDescending ? `(${name} IS NOT NULL OR (${name} IS NULL AND ${after(k + 1)}))` : `(${name} IS NULL AND ${after(k + 1)})`
    }
    const beyond = `${name} ${isDescending ? '<' : '>'} ${bind(value)}${column.nullable && !isDescending ? ` OR ${name} IS NULL` : ''}`
    return isLast ? `(${beyond})` : `(${beyond} OR (${name} = ${bind(value)} AND ${after(k + 1)}))`
  }
  return after(0)
}
