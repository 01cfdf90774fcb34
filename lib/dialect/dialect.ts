import type { ColumnType } from '../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'
import type { OrmError } from '../errors/orm-error.js'

/** @internal The database-specific half of veil-orm: SQL spelling, value codecs and error conversion. */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres'
  readonly supportsPartialIndexes: boolean
  /** The placeholder for the n-th (1-based) bound parameter. */
  placeholder(position: number): string
  quote(identifier: string): string
  /** JavaScript value -> driver parameter. `undefined`/`null` become NULL. */
  encode(type: ColumnType, value: unknown): unknown
  /** Driver value -> JavaScript value. NULL becomes `undefined`. */
  decode(type: ColumnType, raw: unknown): unknown
  /** Encodes a value bound inside a `sql` fragment, whose column type may not apply. */
  encodeLoose(value: unknown): unknown
  /** SQL for `= ANY(list)` / `IN (list)` on a column, binding the list through `bind`. */
  inList(column: string, type: ColumnType, values: readonly unknown[], bind: (value: unknown) => string): string
  createTableSql(meta: EntityMetadata): string
  addColumnSql(meta: EntityMetadata, column: ColumnMetadata): string
  createUniqueIndexSql(meta: EntityMetadata, column: ColumnMetadata): string
  limitOffsetSql(limit: string | undefined, offset: string | undefined): string
  /** Converts a driver error into a typed error, or returns undefined when it is not the database's. */
  toOrmError(error: unknown, registry: MetadataRegistry): OrmError
}

/** @internal A plain row as the driver returns it, positional. */
export type RawRow = unknown[]

/** @internal One batched INSERT of rows into one table; values already encoded. */
export interface InsertOp {
  readonly kind: 'insert'
  readonly meta: EntityMetadata
  readonly columns: readonly ColumnMetadata[]
  readonly rows: readonly unknown[][]
}

/** @internal One batched UPDATE of the same columns on several rows; each row ends with its id. */
export interface UpdateOp {
  readonly kind: 'update'
  readonly meta: EntityMetadata
  readonly columns: readonly ColumnMetadata[]
  readonly rows: readonly unknown[][]
}

/** @internal A write that a flush sends; executed in order, in one transaction. */
export type WriteOp = InsertOp | UpdateOp

/** @internal The ids that each insert generated, by op position (empty for updates and UUID inserts). */
export type WriteResult = (unknown[] | undefined)[]

/** @internal Something SQL can run on: the shared connection, or a transaction. */
export interface Connection {
  /** Runs a SELECT and returns positional rows. */
  select(text: string, params: readonly unknown[], safeIntegers: boolean): Promise<RawRow[]>
  /** Runs any statement and returns rows as objects keyed by column name (for `ORM.query`). */
  query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>
  /** Runs the ops atomically: its own transaction, or a savepoint inside an open one. */
  write(ops: readonly WriteOp[]): Promise<WriteResult>
}

/** @internal A connection holding an open transaction (or savepoint). */
export interface TransactionConnection extends Connection {
  /** Opens a nested transaction (a savepoint) on the same connection. */
  begin(): Promise<TransactionConnection>
  commit(): Promise<void>
  rollback(): Promise<void>
}

/** @internal An open database: the shared connection, transactions, introspection. */
export interface Driver {
  readonly dialect: Dialect
  /** The connection used outside transactions. */
  readonly shared: Connection
  begin(): Promise<TransactionConnection>
  listTables(): Promise<string[]>
  listColumns(table: string): Promise<string[]>
  listIndexes(table: string): Promise<string[]>
  /** Runs DDL statements (schema creation) in order. */
  runDdl(statements: readonly string[]): Promise<void>
  close(): Promise<void>
}
