import type { DbIndex, DbTable } from '../dialect/schema-introspection.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { uniqueAmong } from '../soft-delete/visibility.js'

// Indexes are found by what they do, not only by name: a schema written by hand, by another tool or by
// an older migration names its indexes its own way, and creating a second index beside an equivalent
// one would only slow writes down.

/**
 * @internal The index that enforces a unique column: veil-orm's own by name, or a unique index on that
 * column alone with the same scope (partial for uniqueness among live rows, whole-table otherwise).
 */
export function uniqueIndexOf(meta: EntityMetadata, column: ColumnMetadata, table: DbTable): DbIndex | undefined {
  const byName = table.indexes.find((index) => index.name === column.uniqueIndexName)
  if (byName) return byName
  const partial = uniqueAmong(meta) !== undefined
  return table.indexes.find((index) => index.unique && index.partial === partial && index.columns.length === 1 && index.columns[0] === column.name)
}

/**
 * @internal Whether some index serves lookups by a column (an entity's foreign key, a junction's target key):
 * the one veil-orm names `indexName`, or any whole-table index that starts with the column.
 */
export function hasLookupIndex(table: DbTable, columnName: string, indexName: string | undefined): boolean {
  return table.indexes.some((index) => index.name === indexName || (!index.partial && index.columns[0] === columnName))
}
