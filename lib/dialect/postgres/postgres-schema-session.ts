import type { PoolClient } from 'pg'
import type { SchemaSession } from '../dialect.js'
import type { DbSchema } from '../schema-introspection.js'
import { introspectPostgres } from './postgres-introspection.js'

// Serializes schema creation across processes booting at the same time.
const DDL_LOCK_KEY = 0x7665696c

/** @internal Lists and changes the schema on the client that holds the schema lock. */
export class PostgresSchemaSession implements SchemaSession {
  constructor(readonly client: PoolClient) {}

  /** Takes the schema lock until the client's transaction ends. */
  async lock(): Promise<void> {
    await this.client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK_KEY])
  }

  async listTables(): Promise<string[]> {
    const result = await this.client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    )
    return result.rows.map((row) => row.name)
  }

  async listColumns(table: string): Promise<string[]> {
    const result = await this.client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
    return result.rows.map((row) => row.name)
  }

  async listIndexes(table: string): Promise<string[]> {
    const result = await this.client.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
      [table],
    )
    return result.rows.map((row) => row.name)
  }

  async runDdl(statements: readonly string[]): Promise<void> {
    for (const statement of statements) await this.client.query(statement)
  }

  introspect(): Promise<DbSchema> {
    return introspectPostgres(this.client)
  }

  async queryRows(text: string): Promise<Record<string, unknown>[]> {
    return (await this.client.query(text)).rows as Record<string, unknown>[]
  }
}
