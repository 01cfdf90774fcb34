import type { Driver, SchemaSession } from '../dialect/dialect.js'
import type { DbSchema, DbTable } from '../dialect/schema-introspection.js'
import { SchemaChangeError } from '../errors/schema-change-error.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import { diffSchema, type SchemaDifference } from './schema-diff.js'
import { dropOrder, referencingTables, unmappedTables, unusedKind } from './veil-tables.js'

/** A column that `DbManager.dropUnusedColumns()` dropped. */
export interface DroppedColumn {
  readonly table: string
  readonly column: string
}

/** @internal The differences between the booted classes and the database; reads only. */
export async function readSchemaDiff(driver: Driver, registry: MetadataRegistry): Promise<SchemaDifference[]> {
  const schema = await driver.lockSchema((session) => session.introspect())
  return diffSchema(registry, schema, driver.dialect).map(({ kind, table, column, destructive, sql }) => ({
    kind,
    table,
    ...(column === undefined ? {} : { column }),
    destructive,
    sql,
  }))
}

/**
 * @internal Drops the columns no class maps, from every booted class's table or from `only`, in one
 * transaction under the schema lock. SQLite rebuilds a table when ALTER TABLE DROP COLUMN cannot (the
 * column is indexed, a foreign key...), with foreign keys off as its 12-step procedure says, then checks them.
 */
export async function dropUnusedColumns(driver: Driver, registry: MetadataRegistry, only: string | undefined): Promise<DroppedColumn[]> {
  const work = async (session: SchemaSession): Promise<DroppedColumn[]> => {
    const schema = await session.introspect()
    if (only !== undefined) {
      if (!schema.has(only)) throw SchemaChangeError.noSuchTable(only)
      if (!registry.tables.some((meta) => meta.tableName === only)) throw SchemaChangeError.notEntityTable(only)
    }
    const dropped: DroppedColumn[] = []
    for (const meta of registry.tables) {
      const table = schema.get(meta.tableName)
      if (!table || (only !== undefined && meta.tableName !== only)) continue
      const unused = table.columns.map((column) => column.name).filter((name) => !meta.columns.some((mapped) => mapped.name === name))
      if (unused.length === 0) continue
      const change = driver.dialect.dropColumnsSql(meta, table, unused)
      await session.runDdl(change.statements)
      if (change.check) {
        const broken = await session.queryRows(change.check)
        if (broken.length > 0) throw SchemaChangeError.brokenKeys(meta.tableName, broken.length)
      }
      dropped.push(...unused.map((column) => ({ table: meta.tableName, column })))
    }
    return dropped
  }
  return driver.lockSchema(work, { foreignKeysOff: true })
}

/**
 * @internal Drops unmapped tables of one kind (entity tables or junctions, told apart by `unusedKind`), or
 * the one table named (any unmapped table, even another program's). Refuses, dropping nothing, a mapped
 * table or one that a table not dropped in the same call references.
 */
export async function dropUnusedTables(
  driver: Driver,
  registry: MetadataRegistry,
  kind: 'table' | 'junction',
  only: string | undefined,
): Promise<string[]> {
  return driver.lockSchema(async (session) => {
    const schema = await session.introspect()
    const candidates = only === undefined ? unmappedTables(schema, registry).filter((table) => unusedKind(table) === kind) : [named(schema, registry, only)]
    const names = new Set(candidates.map((table) => table.name))
    const problems = candidates.flatMap((table) => {
      const others = referencingTables(schema, table.name).filter((other) => !names.has(other))
      return others.length > 0 ? [`"${table.name}" is referenced by ${others.map((other) => `"${other}"`).join(', ')}`] : []
    })
    if (problems.length > 0) throw SchemaChangeError.referenced(problems)
    const ordered = dropOrder(schema, candidates)
    await session.runDdl(ordered.map((table) => driver.dialect.dropTableSql(table.name)))
    return ordered.map((table) => table.name)
  })
}

function named(schema: DbSchema, registry: MetadataRegistry, name: string): DbTable {
  const entity = registry.tables.find((meta) => meta.tableName === name)
  if (entity) throw SchemaChangeError.mapped(name, `the class ${entity.className}`)
  const junction = registry.junctions.find((candidate) => candidate.tableName === name)
  if (junction) throw SchemaChangeError.mapped(name, `a to-many relation of ${junction.owner.className}`)
  const table = schema.get(name)
  if (!table) throw SchemaChangeError.noSuchTable(name)
  return table
}
