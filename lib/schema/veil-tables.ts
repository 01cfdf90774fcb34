import type { DbSchema, DbTable } from '../dialect/schema-introspection.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'

/**
 * @internal Whether an unmapped table looks like one veil-orm created for an entity class: a primary
 * key named `id` and the `created_at` and `updated_at` columns every entity table gets. Tables of other
 * software sharing the database rarely have all three, and are then never reported or dropped unnamed.
 */
export function looksLikeEntityTable(table: DbTable): boolean {
  const names = new Set(table.columns.map((column) => column.name))
  return table.columns.some((column) => column.name === 'id' && column.primaryKey) && names.has('created_at') && names.has('updated_at')
}

/**
 * @internal Whether an unmapped table looks like a veil-orm junction table: exactly two columns, both
 * foreign keys ending in `_id` and together the primary key, one of them `<owner>_id` referencing the
 * table `<owner>` whose name starts the junction's (`<owner>_<property>`).
 */
export function looksLikeJunction(table: DbTable): boolean {
  if (table.columns.length !== 2) return false
  const keys = table.columns.map((column) => table.foreignKeys.find((key) => key.column === column.name))
  if (keys.some((key) => key === undefined)) return false
  if (!table.columns.every((column) => column.primaryKey && column.name.endsWith('_id'))) return false
  return keys.some((key) => key?.column === `${key?.refTable}_id` && table.name.startsWith(`${key?.refTable}_`))
}

/** @internal The kind of an unmapped table: a junction, an entity table, or another program's (undefined). */
export function unusedKind(table: DbTable): 'junction' | 'table' | undefined {
  if (looksLikeJunction(table)) return 'junction'
  return looksLikeEntityTable(table) ? 'table' : undefined
}

/** @internal The tables that hold foreign keys to `table`, other than itself. */
export function referencingTables(schema: DbSchema, table: string): string[] {
  return [...schema.values()].filter((other) => other.name !== table && other.foreignKeys.some((key) => key.refTable === table)).map((other) => other.name)
}

/** @internal The unmapped tables of the database, in name order. */
export function unmappedTables(schema: DbSchema, registry: MetadataRegistry): DbTable[] {
  return [...schema.values()].filter((table) => !registry.isMappedTable(table.name)).sort((a, b) => a.name.localeCompare(b.name))
}

/** @internal Tables to drop, each after the tables to drop that reference it (so PostgreSQL drops them in order). */
export function dropOrder(schema: DbSchema, tables: readonly DbTable[]): DbTable[] {
  const ordered: DbTable[] = []
  const pending = [...tables]
  while (pending.length > 0) {
    const index = pending.findIndex((table) => !referencingTables(schema, table.name).some((other) => pending.some((p) => p.name === other)))
    ordered.push(...pending.splice(index === -1 ? 0 : index, 1))
  }
  return ordered
}
