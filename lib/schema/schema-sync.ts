import type { Driver, SchemaSession } from '../dialect/dialect.js'
import { MIGRATIONS_TABLE } from '../dialect/migrations-sql.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import type { Logger } from '../util/logger.js'
import { checkDrift } from './drift.js'
import { hasLookupIndex, uniqueIndexOf } from './index-match.js'
import { diffSchema } from './schema-diff.js'

/**
 * @internal Checks drift (a BootError when a column cannot hold its class's values), then creates what
 * is missing (tables, columns, keys, junctions, indexes: the diff's entries boot applies), never alters
 * or drops anything, and warns about tables and columns that no class maps. The listing and all DDL run
 * in one transaction under the schema lock: a boot decides what to create only once concurrent boots
 * have committed.
 */
export async function syncSchema(driver: Driver, registry: MetadataRegistry, logger: Logger): Promise<void> {
  const warnings = await driver.lockSchema((schema) => createMissing(schema, driver, registry))
  for (const warning of warnings) logger.warn(warning)
}

/** Lists the schema, runs the DDL of what is missing, and returns the warnings to log after commit. */
async function createMissing(session: SchemaSession, driver: Driver, registry: MetadataRegistry): Promise<string[]> {
  const schema = await session.introspect()
  const warnings = await checkDrift(registry, schema, driver.dialect, session)
  const ddl: string[] = []
  for (const difference of diffSchema(registry, schema, driver.dialect)) {
    if (!difference.atBoot) continue
    ddl.push(...difference.sql)
    const column = registry.forTableColumn(difference.table, difference.column ?? '')
    if (difference.kind === 'addColumn' && column && !column[1].nullable) {
      warnings.push(
        `veil-orm: added column "${difference.table}"."${difference.column}" for ${column[0].className}.${column[1].property} ` +
          'as nullable because the table already exists; the ORM still requires a value on every write. Give existing rows a value ' +
          'before the next boot, which refuses NULLs in a required column (ORM.schemaDiff() lists the NOT NULL change).',
      )
    }
  }
  for (const table of schema.values()) {
    const meta = registry.tables.find((entity) => entity.tableName === table.name)
    if (!meta) {
      if (!registry.isMappedTable(table.name) && table.name !== MIGRATIONS_TABLE) {
        warnings.push(`veil-orm: table "${table.name}" is not mapped by any class passed to ORM.boot(); it is left as it is.`)
      }
      continue
    }
    for (const column of table.columns) {
      if (!meta.columns.some((mapped) => mapped.name === column.name)) {
        warnings.push(`veil-orm: column "${table.name}"."${column.name}" is not mapped by ${meta.className}; it is left as it is.`)
      }
    }
  }
  if (ddl.length > 0) await session.runDdl(ddl)
  return warnings
}

/**
 * @internal With `skipTableCreation`, checks drift (a BootError) and warns once, naming each part, when
 * the database lacks tables, columns, junctions or indexes the classes map: migrations create them.
 */
export async function verifySchema(driver: Driver, registry: MetadataRegistry, logger: Logger): Promise<void> {
  // Under the schema lock: a boot that is creating the schema right now finishes first.
  const warnings = await driver.lockSchema(async (session) => {
    const schema = await session.introspect()
    const drift = await checkDrift(registry, schema, driver.dialect, session)
    const missing: string[] = []
    for (const meta of registry.tables) {
      const table = schema.get(meta.tableName)
      if (!table) {
        missing.push(`table "${meta.tableName}" (${meta.className})`)
        continue
      }
      for (const column of meta.columns) {
        if (!table.columns.some((found) => found.name === column.name)) {
          missing.push(`column "${meta.tableName}"."${column.name}" (${meta.className}.${column.property})`)
        }
        const lacks = [
          column.uniqueIndexName && !uniqueIndexOf(meta, column, table) ? column.uniqueIndexName : undefined,
          column.lookupIndexName && !hasLookupIndex(table, column.name, column.lookupIndexName) ? column.lookupIndexName : undefined,
        ]
        for (const index of lacks) if (index) missing.push(`index "${index}" (${meta.className}.${column.property})`)
      }
    }
    for (const junction of registry.junctions) {
      if (!schema.has(junction.tableName)) missing.push(`junction table "${junction.tableName}"`)
    }
    if (missing.length > 0) {
      drift.push(
        `veil-orm: skipTableCreation is set and the database lacks what the classes map: ${missing.join(', ')}. ` +
          'Queries that need them fail until they exist: review ORM.schemaDiff(), then ORM.migrations.generate() and ORM.migrations.run() create them.',
      )
    }
    return drift
  })
  for (const warning of warnings) logger.warn(warning)
}
