import type { ColumnType } from '../../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata } from '../../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../../metadata/metadata-registry.js'
import { BaseDialect } from '../base-dialect.js'
import type { Dialect, TableChange } from '../dialect.js'
import type { DbTable } from '../schema-introspection.js'
import { rebuildTableSql, wrapRebuild } from './sqlite-rebuild.js'
import type { OrmError } from '../../errors/orm-error.js'
import { toSqliteError } from './sqlite-errors.js'

const COLUMN_SQL: Record<ColumnType, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  date: 'INTEGER',
  json: 'TEXT',
  uuid: 'TEXT',
}

/**
 * @internal SQLite spelling. Tables are STRICT so the database itself refuses a wrong type; dates are
 * stored as epoch milliseconds (INTEGER) so they compare and sort numerically, booleans as 0/1.
 */
export class SqliteDialect extends BaseDialect implements Dialect {
  readonly name = 'sqlite'
  protected override readonly columnSql = COLUMN_SQL
  protected override readonly junctionTableOptions = ' STRICT, WITHOUT ROWID'

  placeholder(): string {
    return '?'
  }

  encode(type: ColumnType, value: unknown): unknown {
    if (value === undefined || value === null) return null
    switch (type) {
      case 'boolean':
        return value ? 1 : 0
      case 'date':
        return (value as Date).getTime()
      case 'json':
        return JSON.stringify(value)
      case 'uuid':
        // PostgreSQL returns uuids in lower case; storing them so keeps both databases alike.
        return (value as string).toLowerCase()
      default:
        return value
    }
  }

  decode(type: ColumnType, raw: unknown): unknown {
    if (raw === null || raw === undefined) return undefined
    switch (type) {
      case 'boolean':
        return raw === 1 || raw === 1n
      case 'date':
        return new Date(Number(raw))
      case 'json':
        return JSON.parse(raw as string)
      case 'integer':
      case 'real':
        return typeof raw === 'bigint' ? Number(raw) : raw
      case 'bigint':
        return typeof raw === 'bigint' ? raw : BigInt(raw as number)
      default:
        return raw
    }
  }

  encodeLoose(value: unknown): unknown {
    if (typeof value === 'boolean') return value ? 1 : 0
    if (value instanceof Date) return value.getTime()
    return value ?? null
  }

  inList(column: string, _type: ColumnType, values: readonly unknown[], bind: (value: unknown) => string): string {
    return `${column} ${this.fragmentInList(false, values, bind)}`
  }

  fragmentInList(negated: boolean, values: readonly unknown[], bind: (value: unknown) => string): string {
    // One JSON parameter instead of one placeholder per value: the statement text (and its cached
    // prepared statement) stays the same for any list length, and SQLite's parameter limit never applies.
    const json = `[${values.map((value) => (typeof value === 'bigint' ? value.toString() : JSON.stringify(value))).join(',')}]`
    return `${negated ? 'NOT IN' : 'IN'} (SELECT value FROM json_each(${bind(json)}))`
  }

  createTableSql(meta: EntityMetadata): string {
    const columns = meta.columns.map((column) => this.#columnSql(meta, column, !column.nullable))
    return `CREATE TABLE IF NOT EXISTS ${this.quote(meta.tableName)} (${columns.join(', ')}) STRICT`
  }

  foreignKeysSql(): string[] {
    // SQLite checks references only when rows are written, so they are declared inline.
    return []
  }

  addColumnSql(meta: EntityMetadata, column: ColumnMetadata): string {
    // SQLite cannot add a NOT NULL column without a default; the ORM still enforces it on writes.
    return `ALTER TABLE ${this.quote(meta.tableName)} ADD COLUMN ${this.#columnSql(meta, column, false)}`
  }

  dbTypeOf(meta: EntityMetadata, column: ColumnMetadata): string {
    return column.role === 'id' && !meta.isIdGenerated ? 'text' : COLUMN_SQL[column.type].toLowerCase()
  }

  addForeignKeySql(meta: EntityMetadata, _column: ColumnMetadata, table: DbTable): TableChange {
    // SQLite cannot add a constraint to a table: the table is rebuilt with the class's definition.
    return this.#rebuild(meta, table, [], [])
  }

  alterColumnSql(meta: EntityMetadata, column: ColumnMetadata, change: 'type' | 'nullability', table: DbTable): TableChange {
    return this.#rebuild(meta, table, [], change === 'nullability' ? [column.name] : [])
  }

  dropColumnsSql(meta: EntityMetadata, table: DbTable, columns: readonly string[]): TableChange {
    // ALTER TABLE DROP COLUMN refuses a column in an index, a foreign key or a constraint: those rebuild.
    const plain = columns.every(
      (name) =>
        !table.indexes.some((index) => index.columns.includes(name)) &&
        !table.foreignKeys.some((key) => key.column === name) &&
        !table.columns.find((column) => column.name === name)?.primaryKey,
    )
    if (!plain) return this.#rebuild(meta, table, columns, [])
    return { statements: columns.map((name) => `ALTER TABLE ${this.quote(table.name)} DROP COLUMN ${this.quote(name)}`), rebuild: false }
  }

  scriptOf(change: TableChange): string[] {
    return change.rebuild ? wrapRebuild(change.statements) : [...change.statements]
  }

  #rebuild(meta: EntityMetadata, table: DbTable, drop: readonly string[], nullabilityFromClass: readonly string[]): TableChange {
    const definition = (m: EntityMetadata, column: ColumnMetadata, notNull: boolean): string => this.#columnSql(m, column, notNull)
    const statements = rebuildTableSql(meta, table, { drop: new Set(drop), nullabilityFromClass: new Set(nullabilityFromClass) }, definition)
    return { statements, rebuild: true, check: `SELECT * FROM pragma_foreign_key_check('${table.name.replace(/'/g, "''")}')` }
  }

  limitOffsetSql(limit: string | undefined, offset: string | undefined): string {
    if (limit === undefined && offset === undefined) return ''
    // SQLite only accepts OFFSET after a LIMIT; -1 means "no limit".
    return ` LIMIT ${limit ?? '-1'}${offset === undefined ? '' : ` OFFSET ${offset}`}`
  }

  toOrmError(error: unknown, registry: MetadataRegistry): OrmError {
    return toSqliteError(error, registry)
  }

  #columnSql(meta: EntityMetadata, column: ColumnMetadata, notNull: boolean): string {
    const name = this.quote(column.name)
    if (column.role === 'id') {
      // AUTOINCREMENT: ids of deleted rows are never handed out again, so a stale instance
      // in some process's identity map can never be confused with a new row.
      return meta.isIdGenerated ? `${name} INTEGER PRIMARY KEY AUTOINCREMENT` : `${name} TEXT PRIMARY KEY NOT NULL`
    }
    let sql = `${name} ${COLUMN_SQL[column.type]}`
    if (notNull) sql += ' NOT NULL'
    sql += this.discriminatorDefaultSql(meta, column)
    if (column.type === 'boolean') sql += ` CHECK (${name} IN (0, 1))`
    const relation = meta.relationAtSlot[column.index]
    if (relation) sql += ` ${this.referencesSql(relation)}`
    return sql
  }
}
