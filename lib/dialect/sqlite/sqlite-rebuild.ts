import type { ColumnMetadata, EntityMetadata } from '../../metadata/entity-metadata.js'
import type { DbTable } from '../schema-introspection.js'

/** @internal What a rebuild keeps: which columns go, and whose nullability the mapped columns get. */
export interface RebuildPlan {
  /** Unmapped columns to leave out; every other unmapped column is kept with its type, NOT NULL and foreign key. */
  readonly drop: ReadonlySet<string>
  /**
   * The mapped columns that get the class's nullability; the others keep the database's, so that one
   * change of a migration never makes another column NOT NULL before that column's own change (and its UPDATE) ran.
   */
  readonly nullabilityFromClass: ReadonlySet<string>
}

/** The spelling of one column, as SqliteDialect writes it for CREATE TABLE. */
type ColumnDefinition = (meta: EntityMetadata, column: ColumnMetadata, notNull: boolean) => string

const STRICT_TYPES = new Set(['int', 'integer', 'real', 'text', 'blob', 'any'])

/**
 * @internal The statements inside the transaction of SQLite's 12-step table change (sqlite.org/lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes"): create the new table under a temporary name, copy the rows,
 * drop the old table, rename the new one, recreate the indexes, keep the AUTOINCREMENT counter. The caller
 * runs them with foreign keys OFF (PRAGMA foreign_keys cannot change inside a transaction), then checks the keys.
 * Only the columns the table has are defined: a migration adds the missing ones after its rebuilds
 * (ALTER TABLE ADD COLUMN), so several rebuilds and additions of one table can follow each other in one file.
 */
export function rebuildTableSql(meta: EntityMetadata, table: DbTable, plan: RebuildPlan, definition: ColumnDefinition): string[] {
  const q = (name: string): string => `"${name.replace(/"/g, '""')}"`
  const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`
  const temp = `${meta.tableName}_veil_rebuild`
  const existing = new Map(table.columns.map((column) => [column.name, column]))
  const definitions: string[] = []
  const copied: string[] = []
  for (const column of meta.columns) {
    const found = existing.get(column.name)
    if (!found) continue
    const nullable = plan.nullabilityFromClass.has(column.name) ? column.nullable : found.nullable
    definitions.push(definition(meta, column, !nullable))
    copied.push(q(column.name))
  }
  const mapped = new Set(meta.columns.map((column) => column.name))
  for (const column of table.columns) {
    if (mapped.has(column.name) || plan.drop.has(column.name)) continue
    const type = STRICT_TYPES.has(column.type) ? column.type.toUpperCase() : 'ANY'
    // An unmapped column keeps its foreign key (an old relation's column, not dropped yet).
    const key = table.foreignKeys.find((candidate) => candidate.column === column.name)
    const references = key ? ` REFERENCES ${q(key.refTable)} (${q(key.refColumn)})${key.onDelete ? ` ON DELETE ${key.onDelete}` : ''}` : ''
    definitions.push(`${q(column.name)} ${type}${column.nullable ? '' : ' NOT NULL'}${references}`)
    copied.push(q(column.name))
  }
  const statements = [
    `CREATE TABLE ${q(temp)} (${definitions.join(', ')}) STRICT`,
    `INSERT INTO ${q(temp)} (${copied.join(', ')}) SELECT ${copied.join(', ')} FROM ${q(table.name)}`,
  ]
  if (table.autoIncrement && meta.isIdGenerated) {
    // The copy sets the new counter to the highest id; the old one may be higher (deleted rows): keep it.
    statements.push(
      `INSERT INTO sqlite_sequence (name, seq) SELECT ${literal(temp)}, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ${literal(temp)})`,
      `UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = ${literal(table.name)}), 0)) WHERE name = ${literal(temp)}`,
    )
  }
  statements.push(`DROP TABLE ${q(table.name)}`, `ALTER TABLE ${q(temp)} RENAME TO ${q(table.name)}`)
  for (const index of table.indexes) {
    if (index.sql && !index.columns.some((column) => plan.drop.has(column))) statements.push(index.sql)
  }
  return statements
}

/** @internal A rebuild as statements to run by hand or in a migration: foreign keys off, one transaction. */
export function wrapRebuild(statements: readonly string[]): string[] {
  return ['PRAGMA foreign_keys = OFF', 'BEGIN IMMEDIATE', ...statements, 'COMMIT', 'PRAGMA foreign_keys = ON']
}
