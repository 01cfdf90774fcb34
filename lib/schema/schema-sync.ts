import type { Driver, SchemaSession } from '../dialect/dialect.js'
import { BootError } from '../errors/boot-error.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import type { Logger } from '../util/logger.js'


/**
 * @internal Creates what is missing (tables, columns, unique indexes), never drops anything, and
 * warns about tables and columns that no class maps. The listing and all DDL run in one transaction
 * under the schema lock: a boot decides what to create only once concurrent boots have committed.
 */
export async function syncSchema(driver: Driver, registry: MetadataRegistry, logger: Logger): Promise<void> {
  const warnings = await driver.lockSchema((schema) => createMissing(schema, driver, registry))
  for (const warning of warnings) logger.warn(warning)
}

/** Lists the schema, runs the DDL of what is missing, and returns the warnings to log after commit. */
async function createMissing(schema: SchemaSession, driver: Driver, registry: MetadataRegistry): Promise<string[]> {
  const { dialect } = driver
  const existingTables = new Set(await schema.listTables())
  const ddl: string[] = []
  const foreignKeys: string[] = []
  const indexes: string[] = []
  const warnings: string[] = []
  for (const meta of registry.entities) {
    if (!existingTables.has(meta.tableName)) {
      ddl.push(dialect.createTableSql(meta))
      foreignKeys.push(...dialect.foreignKeysSql(meta))
      for (const column of meta.columns) {
        if (column.unique) indexes.push(dialect.createUniqueIndexSql(meta, column))
        if (column.lookupIndexName) indexes.push(dialect.createIndexSql(meta.tableName, column.lookupIndexName, column.name))
      }
      continue
    }
    const existingColumns = new Set(await schema.listColumns(meta.tableName))
    const existingIndexes = new Set(await schema.listIndexes(meta.tableName))
    for (const column of meta.columns) {
      if (!existingColumns.has(column.name)) {
        ddl.push(dialect.addColumnSql(meta, column))
        if (!column.nullable) {
          warnings.push(
            `veil-orm: added column "${meta.tableName}"."${column.name}" for ${meta.className}.${column.property} ` +
              'as nullable because the table already exists; the ORM still requires a value on every write.',
          )
        }
      }
      if (column.unique && column.uniqueIndexName && !existingIndexes.has(column.uniqueIndexName)) {
        indexes.push(dialect.createUniqueIndexSql(meta, column))
      }
      if (column.lookupIndexName && !existingIndexes.has(column.lookupIndexName)) {
        indexes.push(dialect.createIndexSql(meta.tableName, column.lookupIndexName, column.name))
      }
    }
    const mapped = new Set(meta.columns.map((column) => column.name))
    for (const name of existingColumns) {
      if (!mapped.has(name)) {
        warnings.push(`veil-orm: column "${meta.tableName}"."${name}" is not mapped by ${meta.className}; it is left as it is.`)
      }
    }
  }
  for (const junction of registry.junctions) {
    if (existingTables.has(junction.tableName)) continue
    indexes.push(dialect.createJunctionTableSql(junction))
    indexes.push(dialect.createIndexSql(junction.tableName, junction.targetIndexName, junction.targetColumn))
  }
  ddl.push(...foreignKeys, ...indexes)
  for (const table of existingTables) {
    if (!registry.isMappedTable(table)) {
      warnings.push(`veil-orm: table "${table}" is not mapped by any class passed to ORM.boot(); it is left as it is.`)
    }
  }
  if (ddl.length > 0) await schema.runDdl(ddl)
  return warnings
}

/** @internal With `skipTableCreation`, checks that every mapped table and column exists. */
export async function verifySchema(driver: Driver, registry: MetadataRegistry): Promise<void> {
  // Under the schema lock: a boot that is creating the schema right now finishes first.
  const missing = await driver.lockSchema((schema) => listMissing(schema, registry))
  if (missing.length > 0) throw BootError.missingSchema(missing)
}

async function listMissing(schema: SchemaSession, registry: MetadataRegistry): Promise<string[]> {
  const existingTables = new Set(await schema.listTables())
  const missing: string[] = []
  for (const meta of registry.entities) {
    if (!existingTables.has(meta.tableName)) {
      missing.push(`table "${meta.tableName}" (${meta.className})`)
      continue
    }
    const existingColumns = new Set(await schema.listColumns(meta.tableName))
    for (const column of meta.columns) {
      if (!existingColumns.has(column.name)) {
        missing.push(`column "${meta.tableName}"."${column.name}" (${meta.className}.${column.property})`)
      }
    }
  }
  for (const junction of registry.junctions) {
    if (!existingTables.has(junction.tableName)) missing.push(`junction table "${junction.tableName}"`)
  }
  return missing
}
