import type { Dialect } from '../dialect/dialect.js'
import type { DbSchema, DbTable } from '../dialect/schema-introspection.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata } from '../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import { uniqueAmong } from '../soft-delete/visibility.js'
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
  for (const column of meta.columns) indexes(meta, column, new Set(), dialect, add)
}

function indexes(meta: EntityMetadata, column: ColumnMetadata, existing: ReadonlySet<string>, dialect: Dialect, add: Add): void {
  if (column.uniqueIndexName && !existing.has(column.uniqueIndexName)) {
    add('createUniqueIndex', meta.tableName, column.name, [dialect.createUniqueIndexSql(meta, column)], true)
  }
  if (column.lookupIndexName && !existing.has(column.lookupIndexName)) {
    add('createIndex', meta.tableName, column.name, [dialect.createIndexSql(meta.tableName, column.lookupIndexName, column.name)], true)
  }
}

function diffTable(meta: EntityMetadata, table: DbTable, dialect: Dialect, add: Add): void {
  const columns = new Map(table.columns.map((column) => [column.name, column]))
  const indexNames = new Set(table.indexes.map((index) => index.name))
  for (const column of meta.columns) {
    const found = columns.get(column.name)
    if (!found) {
      // Added nullable, as boot adds it (existing rows have no value); a required column then needs NOT NULL.
      add('addColumn', meta.tableName, column.name, [dialect.addColumnSql(meta, column)], true)
      // The NOT NULL change runs after the ADD COLUMN: a SQLite rebuild must copy the added column too.
      const added = { ...table, columns: [...table.columns, { name: column.name, type: dialect.dbTypeOf(meta, column), nullable: true, primaryKey: false }] }
      if (!column.nullable) add('alterColumnNullability', meta.tableName, column.name, alter(meta, column, 'nullability', added, dialect), false)
    } else {
      if (found.type !== dialect.dbTypeOf(meta, column)) add('alterColumnType', meta.tableName, column.name, alter(meta, column, 'type', table, dialect), false)
      if (column.role !== 'id' && found.nullable !== column.nullable) {
        add('alterColumnNullability', meta.tableName, column.name, alter(meta, column, 'nullability', table, dialect), false)
      }
      if (column.role === 'relation' && !table.foreignKeys.some((key) => key.column === column.name)) {
        add('addForeignKey', meta.tableName, column.name, dialect.scriptOf(dialect.addForeignKeySql(meta, column, table)), false)
      }
    }
    indexes(meta, column, indexNames, dialect, add)
    diffUnique(meta, column, table, dialect, add)
  }
  for (const column of table.columns) {
    if (!meta.columns.some((mapped) => mapped.name === column.name)) {
      add('dropColumn', meta.tableName, column.name, dialect.scriptOf(dialect.dropColumnsSql(meta, table, [column.name])), false)
    }
  }
}

function alter(meta: EntityMetadata, column: ColumnMetadata, change: 'type' | 'nullability', table: DbTable, dialect: Dialect): string[] {
  return dialect.scriptOf(dialect.alterColumnSql(meta, column, change, table))
}

/** A unique index whose scope (all rows, or live rows of a soft-deletable class) changed, or that is no longer wanted. */
function diffUnique(meta: EntityMetadata, column: ColumnMetadata, table: DbTable, dialect: Dialect, add: Add): void {
  if (column.uniqueIndexName) {
    const index = table.indexes.find((candidate) => candidate.name === column.uniqueIndexName)
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
  } else if (!table.indexes.some((index) => index.name === junction.targetIndexName)) {
    add('createIndex', junction.tableName, junction.targetColumn, [targetIndex], true)
  }
}
