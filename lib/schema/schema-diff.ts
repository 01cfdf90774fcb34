import type { Dialect } from '../dialect/dialect.js'
import type { DbSchema, DbTable } from '../dialect/schema-introspection.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata } from '../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import { uniqueAmong } from '../soft-delete/visibility.js'
import { hasLookupIndex, uniqueIndexOf } from './index-match.js'
import { dropOrder, unmappedTables, unusedKind } from './veil-tables.js'

/** What a difference between the booted classes and the database is about. */
export type SchemaDifferenceKind =
  | 'createTable'
  | 'addColumn'
  | 'addForeignKey'
  | 'createJunction'
  | 'createIndex'
  | 'createUniqueIndex'
  | 'alterColumnType'
  | 'alterForeignKey'
  | 'alterColumnNullability'
  | 'alterColumnUnique'
  | 'dropColumn'
  | 'dropJunction'
  | 'dropTable'

/**
 * One difference between the booted classes and the database, as `ORM.schemaDiff()` lists them.
 * `sql` holds the statements that apply it on the booted database's dialect, in order; `destructive`
 * marks the ones that drop data (unused tables, columns and junctions).
 */
export interface SchemaDifference {
  readonly kind: SchemaDifferenceKind
  readonly table: string
  readonly column?: string
  readonly destructive: boolean
  readonly sql: readonly string[]
}

/** @internal A difference, and whether boot creates it (boot only creates what is missing). */
export interface PlannedDifference extends SchemaDifference {
  readonly atBoot: boolean
}

/** The order in which differences are listed and applied: creations first (tables before their keys), drops last. */
const ORDER: readonly SchemaDifferenceKind[] = [
  'createTable',
  'addColumn',
  'addForeignKey',
  'createJunction',
  'createIndex',
  'createUniqueIndex',
  'alterColumnType',
  'alterForeignKey',
  'alterColumnNullability',
  'alterColumnUnique',
  'dropColumn',
  'dropJunction',
  'dropTable',
]

/**
 * @internal Compares the booted classes with the database as introspected; changes nothing. Each
 * difference carries the dialect's statements: the same ones boot runs for what it creates.
 */
export function diffSchema(registry: MetadataRegistry, schema: DbSchema, dialect: Dialect): PlannedDifference[] {
  const differences: PlannedDifference[] = []
  const add = (kind: SchemaDifferenceKind, table: string, column: string | undefined, sql: readonly string[], atBoot: boolean): void => {
    const destructive = kind === 'dropColumn' || kind === 'dropJunction' || kind === 'dropTable'
    differences.push({ kind, table, ...(column === undefined ? {} : { column }), destructive, sql, atBoot })
  }
  for (const meta of registry.tables) {
    const table = schema.get(meta.tableName)
    if (table) diffTable(meta, table, dialect, add)
    else createTable(meta, dialect, add)
  }
  for (const junction of registry.junctions) diffJunction(junction, schema.get(junction.tableName), dialect, add)
  for (const table of dropOrder(schema, unmappedTables(schema, registry))) {
    const kind = unusedKind(table)
    if (kind) add(kind === 'junction' ? 'dropJunction' : 'dropTable', table.name, undefined, [dialect.dropTableSql(table.name)], false)
  }
  return differences.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))
}

type Add = (kind: SchemaDifferenceKind, table: string, column: string | undefined, sql: readonly string[], atBoot: boolean) => void

function createTable(meta: EntityMetadata, dialect: Dialect, add: Add): void {
  add('createTable', meta.tableName, undefined, [dialect.createTableSql(meta)], true)
  const foreignKeys = dialect.foreignKeysSql(meta)
  meta.relations.filter((relation) => relation.column).forEach((relation, i) => {
    const statement = foreignKeys[i]
    if (statement) add('addForeignKey', meta.tableName, relation.column?.name, [statement], true)
  })
  for (const column of meta.columns) indexes(meta, column, undefined, dialect, add)
}

/** The indexes a column needs that `table` (undefined: a table still to create) does not have. */
function indexes(meta: EntityMetadata, column: ColumnMetadata, table: DbTable | undefined, dialect: Dialect, add: Add): void {
  if (column.uniqueIndexName && !(table && uniqueIndexOf(meta, column, table))) {
    add('createUniqueIndex', meta.tableName, column.name, [dialect.createUniqueIndexSql(meta, column)], true)
  }
  if (column.lookupIndexName && !(table && hasLookupIndex(table, column.name, column.lookupIndexName))) {
    add('createIndex', meta.tableName, column.name, [dialect.createIndexSql(meta.tableName, column.lookupIndexName, column.name)], true)
  }
}

function diffTable(meta: EntityMetadata, table: DbTable, dialect: Dialect, add: Add): void {
  const columns = new Map(table.columns.map((column) => [column.name, column]))
  const changed = changedTable(meta, table, dialect)
  for (const column of meta.columns) {
    const found = columns.get(column.name)
    if (!found) {
      // Added nullable, as boot adds it (existing rows have no value); a required column then needs NOT NULL.
      add('addColumn', meta.tableName, column.name, [dialect.addColumnSql(meta, column)], true)
      if (!column.nullable) add('alterColumnNullability', meta.tableName, column.name, alter(meta, column, 'nullability', changed(column), dialect), false)
    } else {
      if (found.type !== dialect.dbTypeOf(meta, column)) add('alterColumnType', meta.tableName, column.name, alter(meta, column, 'type', changed(), dialect), false)
      if (column.role !== 'id' && found.nullable !== column.nullable) {
        add('alterColumnNullability', meta.tableName, column.name, alter(meta, column, 'nullability', changed(column), dialect), false)
      }
      if (column.role === 'relation') {
        const key = table.foreignKeys.find((candidate) => candidate.column === column.name)
        const kind = !key ? 'addForeignKey' : foreignKeyTarget(meta, column) !== `${key.refTable}.${key.refColumn}` ? 'alterForeignKey' : undefined
        if (kind) add(kind, meta.tableName, column.name, dialect.scriptOf(dialect.addForeignKeySql(meta, column, changed())), false)
      }
    }
    indexes(meta, column, table, dialect, add)
    diffUnique(meta, column, table, dialect, add)
  }
  for (const column of table.columns) {
    if (!meta.columns.some((mapped) => mapped.name === column.name)) {
      add('dropColumn', meta.tableName, column.name, dialect.scriptOf(dialect.dropColumnsSql(meta, changed(null), [column.name])), false)
    }
  }
}

/**
 * The table as each SQLite rebuild of a migration finds it, for rebuilds built from the table as listed
 * would undo each other. A migration runs a table's ADD COLUMNs first, then its rebuilds (type and foreign
 * key changes, then NOT NULL changes in property order, then dropped columns), so the table a rebuild
 * starts from has every added column (nullable) and the class's nullability for the columns whose NOT
 * NULL change ran before it: `changed()` before any, `changed(column)` before that column's, `changed(null)` after all.
 */
function changedTable(meta: EntityMetadata, table: DbTable, dialect: Dialect): (before?: ColumnMetadata | null) => DbTable {
  const existing = new Set(table.columns.map((column) => column.name))
  const added = meta.columns
    .filter((column) => !existing.has(column.name))
    .map((column) => ({ name: column.name, type: dialect.dbTypeOf(meta, column), nullable: true, primaryKey: false }))
  return (before) => {
    const done = before === undefined ? [] : before === null ? meta.columns : meta.columns.slice(0, meta.columns.indexOf(before))
    const columns = [...table.columns, ...added].map((column) => {
      const mapped = done.find((candidate) => candidate.name === column.name && candidate.role !== 'id')
      return mapped ? { ...column, nullable: mapped.nullable } : column
    })
    return { ...table, columns }
  }
}

/** @internal The table and column a relation column's foreign key must reference, as `table.column`. */
export function foreignKeyTarget(meta: EntityMetadata, column: ColumnMetadata): string | undefined {
  const target = meta.relationAtSlot[column.index]?.target
  return target ? `${target.tableName}.${target.idColumn.name}` : undefined
}

function alter(meta: EntityMetadata, column: ColumnMetadata, change: 'type' | 'nullability', table: DbTable, dialect: Dialect): string[] {
  return dialect.scriptOf(dialect.alterColumnSql(meta, column, change, table))
}

/** A unique index whose scope (all rows, or live rows of a soft-deletable class) changed, or that is no longer wanted. */
function diffUnique(meta: EntityMetadata, column: ColumnMetadata, table: DbTable, dialect: Dialect, add: Add): void {
  if (column.uniqueIndexName) {
    const index = uniqueIndexOf(meta, column, table)
    if (index && index.partial !== (uniqueAmong(meta) !== undefined)) {
      add('alterColumnUnique', meta.tableName, column.name, [dialect.dropIndexSql(index.name), dialect.createUniqueIndexSql(meta, column)], false)
    }
    return
  }
  for (const index of table.indexes) {
    if (index.unique && !index.constraint && index.name.startsWith(`${meta.tableName}_${column.name}_key`) && index.columns.join() === column.name) {
      add('alterColumnUnique', meta.tableName, column.name, [dialect.dropIndexSql(index.name)], false)
    }
  }
}

function diffJunction(junction: JunctionMetadata, table: DbTable | undefined, dialect: Dialect, add: Add): void {
  const targetIndex = dialect.createIndexSql(junction.tableName, junction.targetIndexName, junction.targetColumn)
  if (!table) {
    add('createJunction', junction.tableName, undefined, [dialect.createJunctionTableSql(junction), targetIndex], true)
  } else if (!hasLookupIndex(table, junction.targetColumn, junction.targetIndexName)) {
    add('createIndex', junction.tableName, junction.targetColumn, [targetIndex], true)
  }
}
