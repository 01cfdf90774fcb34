import type { ColumnType } from '../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import type { Dialect } from './dialect.js'
import { uniqueIndexScopeSql } from './soft-delete-sql.js'

/**
 * @internal The SQL both databases spell alike: quoting, indexes, junction tables, references. Each
 * dialect extends it and adds only its spelling (column types, table options, codecs, errors).
 */
export abstract class BaseDialect
  implements Pick<Dialect, 'quote' | 'createJunctionTableSql' | 'createIndexSql' | 'createUniqueIndexSql' | 'dropTableSql' | 'dropIndexSql' | 'hasNullsSql'>
{
  /** The column type of each value type in CREATE TABLE. */
  protected abstract readonly columnSql: Record<ColumnType, string>
  /** What follows the column list of a junction table's CREATE TABLE. */
  protected readonly junctionTableOptions: string = ''

  /**
   * Concrete inheritance: the discriminator column defaults to the root's class name, so that the rows of a
   * table that existed before a subclass was booted (and rows inserted without veil-orm) are the root's.
   * Class names are PascalCase (letters and digits): no escaping needed.
   */
  protected discriminatorDefaultSql(meta: EntityMetadata, column: ColumnMetadata): string {
    return column.role === 'discriminator' ? ` DEFAULT '${meta.hierarchy.root.className}'` : ''
  }

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`
  }

  /**
   * The CREATE TABLE of a junction table: both columns reference their table's id ON DELETE CASCADE,
   * and the pair is the primary key.
   */
  createJunctionTableSql(junction: JunctionMetadata): string {
    const q = (name: string): string => this.quote(name)
    const reference = (column: string, type: ColumnType, table: EntityMetadata): string =>
      `${q(column)} ${this.columnSql[type]} NOT NULL REFERENCES ${q(table.tableName)} (${q(table.idColumn.name)}) ON DELETE CASCADE`
    return (
      `CREATE TABLE IF NOT EXISTS ${q(junction.tableName)} (` +
      `${reference(junction.ownerColumn, junction.ownerType, junction.owner)}, ` +
      `${reference(junction.targetColumn, junction.targetType, junction.target)}, ` +
      `PRIMARY KEY (${q(junction.ownerColumn)}, ${q(junction.targetColumn)}))${this.junctionTableOptions}`
    )
  }

  createIndexSql(table: string, indexName: string, column: string): string {
    return `CREATE INDEX IF NOT EXISTS ${this.quote(indexName)} ON ${this.quote(table)} (${this.quote(column)})`
  }

  createUniqueIndexSql(meta: EntityMetadata, column: ColumnMetadata): string {
    return (
      `CREATE UNIQUE INDEX IF NOT EXISTS ${this.quote(column.uniqueIndexName ?? '')} ` +
      `ON ${this.quote(meta.tableName)} (${this.quote(column.name)})${uniqueIndexScopeSql(meta, (name) => this.quote(name))}`
    )
  }

  dropTableSql(table: string): string {
    return `DROP TABLE ${this.quote(table)}`
  }

  dropIndexSql(indexName: string): string {
    return `DROP INDEX ${this.quote(indexName)}`
  }

  hasNullsSql(table: string, column: string): string {
    return `SELECT 1 AS found FROM ${this.quote(table)} WHERE ${this.quote(column)} IS NULL LIMIT 1`
  }

  /** The foreign key of a to-one relation: a required one restricts deletes, an optional one empties. */
  protected referencesSql(relation: RelationMetadata): string {
    const target = relation.target
    return `REFERENCES ${this.quote(target.tableName)} (${this.quote(target.idColumn.name)}) ON DELETE ${relation.nullable ? 'SET NULL' : 'RESTRICT'}`
  }
}
