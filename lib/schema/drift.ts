import type { Dialect, SchemaSession } from '../dialect/dialect.js'
import type { DbSchema } from '../dialect/schema-introspection.js'
import { BootError } from '../errors/boot-error.js'
import type { ColumnMetadata } from '../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import { foreignKeyTarget } from './schema-diff.js'
import { typeFit } from './type-fit.js'

/**
 * @internal Compares every mapped column that exists with its class: a type that cannot hold the class's
 * values, or a required property over a column holding NULLs, is a BootError (all of them in one); a wider
 * type or a NOT NULL column under an optional property is a warning, returned. Changes nothing.
 */
export async function checkDrift(registry: MetadataRegistry, schema: DbSchema, dialect: Dialect, session: SchemaSession): Promise<string[]> {
  const problems: string[] = []
  const warnings: string[] = []
  for (const meta of registry.tables) {
    const table = schema.get(meta.tableName)
    if (!table) continue
    for (const column of meta.columns) {
      const found = table.columns.find((candidate) => candidate.name === column.name)
      // The id too: an idType changed from INT to UUID over an integer column cannot work.
      if (!found) continue
      const expected = dialect.dbTypeOf(meta, column)
      const fit = typeFit(dialect.name, expected, found.type, column.type)
      const where = `${meta.className}.${column.property} (column "${meta.tableName}"."${column.name}")`
      if (fit === 'incompatible') {
        const fix = dialect.scriptOf(dialect.alterColumnSql(meta, column, 'type', table))
        problems.push(
          `${where} is a ${describe(column)} property, stored as ${expected.toUpperCase()}, but the database column is ` +
            `${found.type.toUpperCase()}, which cannot hold it. ${howToMigrate(fix)}`,
        )
      } else if (fit === 'wider') {
        warnings.push(`veil-orm: ${where} is ${found.type.toUpperCase()} in the database where veil-orm creates ${expected.toUpperCase()}; it holds every ${describe(column)} value, so it is used as it is.`)
      }
      if (!column.nullable && found.nullable && (await session.queryRows(dialect.hasNullsSql(meta.tableName, column.name))).length > 0) {
        const fix = dialect.scriptOf(dialect.alterColumnSql(meta, column, 'nullability', table))
        problems.push(
          `${where} is a required ${describe(column)} property, but its nullable column holds NULLs. ` +
            `Give those rows a value (UPDATE "${meta.tableName}" SET "${column.name}" = ... WHERE "${column.name}" IS NULL), or declare it ` +
            `@Column({ nullable: true }); then make the column NOT NULL: ${fix.join('; ')}.`,
        )
      }
      const key = table.foreignKeys.find((candidate) => candidate.column === column.name)
      const target = foreignKeyTarget(meta, column)
      if (key && target && target !== `${key.refTable}.${key.refColumn}`) {
        // A warning, not a BootError: the fix (ORM.schemaDiff(), a migration) needs a booted ORM.
        warnings.push(
          `veil-orm: ${where} references "${target.split('.')[0]}" in the class, but its foreign key in the database references ` +
            `"${key.refTable}"."${key.refColumn}": the database accepts only ids of "${key.refTable}". Review ORM.schemaDiff() (alterForeignKey) and apply it with a migration.`,
        )
      }
      if (column.nullable && !found.nullable) {
        warnings.push(
          `veil-orm: ${where} is optional but its column is NOT NULL: writing no value fails. ${dialect.scriptOf(dialect.alterColumnSql(meta, column, 'nullability', table)).join('; ')} makes it nullable.`,
        )
      }
    }
  }
  if (problems.length > 0) throw BootError.schemaDrift(problems)
  return warnings
}

function describe(column: ColumnMetadata): string {
  return column.role === 'relation' ? `${column.type} (reference)` : column.type
}

function howToMigrate(statements: readonly string[]): string {
  return (
    `Migrate the column before booting this class: convert it by hand (values the new type cannot read make the statement fail, and ` +
    `nothing changes), e.g. ${statements.join('; ')}. ORM.schemaDiff() lists such changes once the ORM boots.`
  )
}
