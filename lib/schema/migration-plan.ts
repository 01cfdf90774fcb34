import type { Dialect } from '../dialect/dialect.js'
import { migrationsSql } from '../dialect/migrations-sql.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import type { MigrationPart } from './migration-files.js'
import type { SchemaDifference } from './schema-diff.js'

/**
 * @internal The diff as migration parts: each difference's statements as its up, and a down for what is
 * reversible (a created table, junction, column or index drops again); changed and dropped parts have
 * none, the file says why. Created tables come referenced first, so the down drops referencing ones first.
 */
export function migrationParts(differences: readonly SchemaDifference[], registry: MetadataRegistry, dialect: Dialect): MigrationPart[] {
  const created = new Set(differences.filter((d) => d.kind === 'createTable').map((d) => d.table))
  return inFileOrder(referencedFirst(differences, registry)).map((difference): MigrationPart => {
    const required = difference.kind === 'alterColumnNullability' && !registry.forTableColumn(difference.table, difference.column ?? '')?.[1].nullable
    return {
      title: `${difference.kind} ${difference.table}${difference.column ? `.${difference.column}` : ''}`,
      destructive: difference.destructive,
      ...(required ? { note: 'NOT NULL: rows holding NULL in this column need a value first; add an UPDATE on the line below this one' } : {}),
      up: difference.sql,
      down: downOf(difference, created, registry, dialect),
    }
  })
}

function downOf(difference: SchemaDifference, created: ReadonlySet<string>, registry: MetadataRegistry, dialect: Dialect): readonly string[] | string {
  const { kind, table, column = '' } = difference
  const mapped = registry.forTableColumn(table, column)?.[1]
  switch (kind) {
    case 'createTable':
    case 'createJunction':
      return [dialect.dropTableSql(table)]
    case 'addColumn':
      if (dialect.name === 'sqlite' && mapped?.role === 'relation') {
        return 'SQLite cannot drop a foreign-key column with ALTER TABLE; DbManager.dropUnusedColumns() rebuilds the table'
      }
      return [migrationsSql(dialect).dropColumn(table, column)]
    case 'createIndex': {
      const name = mapped?.lookupIndexName ?? registry.junctions.find((junction) => junction.tableName === table)?.targetIndexName
      return name ? [dialect.dropIndexSql(name)] : 'its index name is not known'
    }
    case 'createUniqueIndex':
      return mapped?.uniqueIndexName ? [dialect.dropIndexSql(mapped.uniqueIndexName)] : 'its index name is not known'
    case 'addForeignKey':
      return created.has(table) ? [] : 'a foreign key added to an existing table is not removed automatically'
    default:
      return difference.destructive ? 'destructive: what it drops cannot come back' : 'a changed column is not changed back automatically'
  }
}

/**
 * The order a file applies them in: created tables, then added columns, then the changes that rebuild a
 * SQLite table (foreign keys, types, NOT NULL, dropped columns; each built from the table as the ones before it leave it: see `changedTable` in
 * schema-diff.ts), then indexes and junctions (after the rebuilds, which recreate only the indexes the
 * table had), then dropped tables. The listing order of the diff holds within each group.
 */
function inFileOrder(differences: readonly SchemaDifference[]): SchemaDifference[] {
  const rank = (d: SchemaDifference): number => {
    if (d.kind === 'createTable') return 0
    if (d.kind === 'addColumn') return 1
    if (['addForeignKey', 'alterColumnType', 'alterForeignKey', 'alterColumnNullability', 'dropColumn'].includes(d.kind)) return 2
    return d.kind === 'dropJunction' || d.kind === 'dropTable' ? 4 : 3
  }
  return [...differences].sort((a, b) => rank(a) - rank(b))
}

/** The createTable entries reordered so that a table comes after the tables it references (cycles keep their order). */
function referencedFirst(differences: readonly SchemaDifference[], registry: MetadataRegistry): SchemaDifference[] {
  const creates = differences.filter((d) => d.kind === 'createTable')
  const references = (table: string): string[] =>
    registry.tables
      .find((meta) => meta.tableName === table)
      ?.relations.filter((relation) => relation.column && relation.target.tableName !== table)
      .map((relation) => relation.target.tableName) ?? []
  const ordered: SchemaDifference[] = []
  const pending = [...creates]
  while (pending.length > 0) {
    const index = pending.findIndex((d) => !references(d.table).some((other) => pending.some((p) => p.table === other)))
    ordered.push(...pending.splice(index === -1 ? 0 : index, 1))
  }
  let next = 0
  return differences.map((d) => (d.kind === 'createTable' ? (ordered[next++] as SchemaDifference) : d))
}
