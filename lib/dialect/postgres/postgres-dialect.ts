import type { ColumnType } from '../../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata } from '../../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../../metadata/metadata-registry.js'
import { indexName } from '../../metadata/index-name.js'
import { BaseDialect } from '../base-dialect.js'
import type { Dialect, TableChange } from '../dialect.js'
import type { DbTable } from '../schema-introspection.js'
import type { OrmError } from '../../errors/orm-error.js'
import { toPostgresError } from './postgres-errors.js'

const COLUMN_SQL: Record<ColumnType, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  real: 'double precision',
  boolean: 'boolean',
  date: 'timestamptz',
  json: 'jsonb',
  uuid: 'uuid',
}

/** @internal How PostgreSQL's format_type() names each column type (what introspection reads back). */
const FORMAT_TYPE: Record<ColumnType, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  real: 'double precision',
  boolean: 'boolean',
  date: 'timestamp with time zone',
  json: 'jsonb',
  uuid: 'uuid',
}

/** @internal The element type used to cast array parameters (`$1::int4[]`). */
export const ARRAY_ELEMENT_SQL: Record<ColumnType, string> = {
  text: 'text',
  integer: 'int4',
  bigint: 'int8',
  real: 'float8',
  boolean: 'bool',
  date: 'timestamptz',
  json: 'jsonb',
  uuid: 'uuid',
}

/** @internal PostgreSQL spelling: identity ids, timestamptz dates, jsonb documents. */
export class PostgresDialect extends BaseDialect implements Dialect {
  readonly name = 'postgres'
  protected override readonly columnSql = COLUMN_SQL

  placeholder(position: number): string {
    return `$${position}`
  }

  encode(type: ColumnType, value: unknown): unknown {
    if (value === undefined || value === null) return null
    switch (type) {
      case 'date':
        return (value as Date).toISOString()
      case 'json':
        // Stringified here: pg would turn a top-level array into a PostgreSQL array literal.
        return JSON.stringify(value)
      case 'bigint':
        return String(value)
      case 'uuid':
        // PostgreSQL reads either case; lower case keeps the bound value what SQLite stores and compares.
        return (value as string).toLowerCase()
      default:
        return value
    }
  }

  decode(type: ColumnType, raw: unknown): unknown {
    if (raw === null || raw === undefined) return undefined
    // int8 arrives as a string so that no precision is lost; integer columns are int4.
    if (type === 'bigint') return BigInt(raw as string)
    return raw
  }

  encodeLoose(value: unknown): unknown {
    if (value instanceof Date) return value.toISOString()
    if (typeof value === 'bigint') return String(value)
    return value ?? null
  }

  inList(column: string, type: ColumnType, values: readonly unknown[], bind: (value: unknown) => string): string {
    // One array parameter keeps the statement text (and its prepared plan) the same for any list length.
    return `${column} = ANY(${bind(values)}::${ARRAY_ELEMENT_SQL[type]}[])`
  }

  fragmentInList(negated: boolean, values: readonly unknown[], bind: (value: unknown) => string): string {
    // No cast: PostgreSQL gives the array the type of the left operand, whatever expression it is.
    return `${negated ? '<> ALL' : '= ANY'}(${bind(values)})`
  }

  createTableSql(meta: EntityMetadata): string {
    const columns = meta.columns.map((column) => this.#columnSql(meta, column, !column.nullable))
    return `CREATE TABLE IF NOT EXISTS ${this.quote(meta.tableName)} (${columns.join(', ')})`
  }

  foreignKeysSql(meta: EntityMetadata): string[] {
    // Added after every CREATE TABLE of the batch: PostgreSQL needs the referenced table to exist,
    // and classes may reference each other in a cycle of optional relations.
    return meta.relations.flatMap((relation) => (relation.column ? [this.#foreignKeySql(meta, relation.column)] : []))
  }

  #foreignKeySql(meta: EntityMetadata, column: ColumnMetadata): string {
    return (
      `ALTER TABLE ${this.quote(meta.tableName)} ADD CONSTRAINT ${this.quote(indexName(meta.tableName, column.name, 'fkey'))} ` +
      `FOREIGN KEY (${this.quote(column.name)}) ${this.#columnReferencesSql(meta, column)}`
    )
  }

  dbTypeOf(meta: EntityMetadata, column: ColumnMetadata): string {
    return FORMAT_TYPE[column.type]
  }

  addForeignKeySql(meta: EntityMetadata, column: ColumnMetadata, table: DbTable): TableChange {
    // A key the column has (to another table, or to the right one under other rules) goes first.
    const existing = table.foreignKeys.filter((key) => key.column === column.name && key.name !== undefined)
    const drops = existing.map((key) => `ALTER TABLE ${this.quote(meta.tableName)} DROP CONSTRAINT ${this.quote(key.name as string)}`)
    return { statements: [...drops, this.#foreignKeySql(meta, column)], rebuild: false }
  }

  alterColumnSql(meta: EntityMetadata, column: ColumnMetadata, change: 'type' | 'nullability'): TableChange {
    const alter = `ALTER TABLE ${this.quote(meta.tableName)} ALTER COLUMN ${this.quote(column.name)}`
    if (change === 'nullability') return { statements: [`${alter} ${column.nullable ? 'DROP' : 'SET'} NOT NULL`], rebuild: false }
    const type = COLUMN_SQL[column.type]
    return { statements: [`${alter} TYPE ${type} USING ${this.quote(column.name)}::${type}`], rebuild: false }
  }

  dropColumnsSql(_meta: EntityMetadata, table: DbTable, columns: readonly string[]): TableChange {
    return { statements: columns.map((name) => `ALTER TABLE ${this.quote(table.name)} DROP COLUMN ${this.quote(name)}`), rebuild: false }
  }

  scriptOf(change: TableChange): string[] {
    return [...change.statements]
  }

  addColumnSql(meta: EntityMetadata, column: ColumnMetadata): string {
    // Added as nullable: existing rows have no value; the ORM enforces required-ness on writes.
    const references = column.role === 'relation' ? ` ${this.#columnReferencesSql(meta, column)}` : ''
    return `ALTER TABLE ${this.quote(meta.tableName)} ADD COLUMN IF NOT EXISTS ${this.#columnSql(meta, column, false)}${references}`
  }

  #columnReferencesSql(meta: EntityMetadata, column: ColumnMetadata): string {
    const relation = meta.relationAtSlot[column.index]
    if (!relation) throw new Error(`internal: ${meta.className}.${column.property} is not a relation`)
    return this.referencesSql(relation)
  }

  limitOffsetSql(limit: string | undefined, offset: string | undefined): string {
    return `${limit === undefined ? '' : ` LIMIT ${limit}`}${offset === undefined ? '' : ` OFFSET ${offset}`}`
  }

  toOrmError(error: unknown, registry: MetadataRegistry): OrmError {
    return toPostgresError(error, registry)
  }

  #columnSql(meta: EntityMetadata, column: ColumnMetadata, notNull: boolean): string {
    const name = this.quote(column.name)
    if (column.role === 'id') {
      if (!meta.isIdGenerated) return `${name} uuid PRIMARY KEY`
      // ALWAYS: the database alone hands out ids, so no writer can pick one that collides later.
      return `${name} ${COLUMN_SQL[column.type]} GENERATED ALWAYS AS IDENTITY PRIMARY KEY`
    }
    return `${name} ${COLUMN_SQL[column.type]}${notNull ? ' NOT NULL' : ''}${this.discriminatorDefaultSql(meta, column)}`
  }
}
