/** @internal One column as the database reports it. */
export interface DbColumn {
  readonly name: string
  /** The declared type in lower case: `integer`, `text` (SQLite), `double precision`, `timestamp with time zone` (PostgreSQL). */
  readonly type: string
  readonly nullable: boolean
  readonly primaryKey: boolean
}

/** @internal One index of a table (not the primary key's). */
export interface DbIndex {
  readonly name: string
  readonly columns: readonly string[]
  readonly unique: boolean
  /** The index has a WHERE clause (a partial index). */
  readonly partial: boolean
  /** Backs a UNIQUE or PRIMARY KEY constraint rather than a CREATE INDEX. */
  readonly constraint: boolean
  /** SQLite: the CREATE INDEX text, to recreate it after a table rebuild. */
  readonly sql?: string
}

/** @internal One single-column foreign key of a table. */
export interface DbForeignKey {
  readonly column: string
  readonly refTable: string
  readonly refColumn: string
  /** PostgreSQL: the constraint's name. */
  readonly name?: string
  /** SQLite: the ON DELETE action (`RESTRICT`, `SET NULL`...), to keep it through a table rebuild. */
  readonly onDelete?: string
}

/** @internal One table as the database reports it. */
export interface DbTable {
  readonly name: string
  readonly columns: readonly DbColumn[]
  readonly indexes: readonly DbIndex[]
  readonly foreignKeys: readonly DbForeignKey[]
  /** SQLite: the table's id column is AUTOINCREMENT (it has a row in sqlite_sequence). */
  readonly autoIncrement?: boolean
}

/** @internal Every table of the database (or PostgreSQL schema), by name. */
export type DbSchema = ReadonlyMap<string, DbTable>
