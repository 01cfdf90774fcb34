import type { Database as SqliteDatabase } from 'better-sqlite3'
import type { SchemaSession } from '../dialect.js'
import type { DbSchema } from '../schema-introspection.js'
import { introspectSqlite } from './sqlite-introspection.js'

/** @internal Lists and changes the schema of a SQLite database, inside the transaction that holds its write lock. */
export class SqliteSchemaSession implements SchemaSession {
  constructor(readonly db: SqliteDatabase) {}

  async listTables(): Promise<string[]> {
    return this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]
  }

  async listColumns(table: string): Promise<string[]> {
    return this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]
  }

  async listIndexes(table: string): Promise<string[]> {
    return this.db.prepare('SELECT name FROM pragma_index_list(?)').pluck().all(table) as string[]
  }

  async runDdl(statements: readonly string[]): Promise<void> {
    for (const statement of statements) this.db.exec(statement)
  }

  async introspect(): Promise<DbSchema> {
    return introspectSqlite(this.db)
  }

  async queryRows(text: string): Promise<Record<string, unknown>[]> {
    return this.db.prepare(text).all() as Record<string, unknown>[]
  }
}
