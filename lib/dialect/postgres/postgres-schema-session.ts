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

  async runDdl(statements: readonly string[]): Promise<void> {
    for (const statement of statements) await this.client.query(statement)
  }

  introspect(): Promise<DbSchema> {
    return introspectPostgres(this.client)
  }

  async queryRows(text: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.client.query(text, params as unknown[])).rows as Record<string, unknown>[]
  }
}
