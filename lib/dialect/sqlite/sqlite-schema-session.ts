import type { Database as SqliteDatabase } from 'better-sqlite3'
import type { SchemaSession } from '../dialect.js'
import type { DbSchema } from '../schema-introspection.js'
import { introspectSqlite } from './sqlite-introspection.js'

/** @internal Lists and changes the schema of a SQLite database, inside the transaction that holds its write lock. */
export class SqliteSchemaSession implements SchemaSession {
  constructor(readonly db: SqliteDatabase) {}

  async runDdl(statements: readonly string[]): Promise<void> {
    for (const statement of statements) this.db.exec(statement)
  }

  async introspect(): Promise<DbSchema> {
    return introspectSqlite(this.db)
  }

  async queryRows(text: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const statement = this.db.prepare(text)
    if (statement.reader) return statement.all(params as unknown[]) as Record<string, unknown>[]
    statement.run(params as unknown[])
    return []
  }
}
