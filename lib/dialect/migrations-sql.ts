import type { Dialect } from './dialect.js'

/** @internal The table where `ORM.migrations.run()` records each migration file it applied. */
export const MIGRATIONS_TABLE = 'veil_migrations'

/** @internal The statements of the `veil_migrations` table, in the dialect's spelling. */
export interface MigrationsSql {
  readonly createTable: string
  /** Rows `{ name, checksum }`, in name order. */
  readonly selectApplied: string
  /** Binds name, checksum, applied_at (an ISO timestamp). */
  readonly insert: string
  /** A row means a foreign key is broken (run after a file ran with foreign keys off); undefined where keys stay on. */
  readonly foreignKeyCheck: string | undefined
  /** Drops a column a migration's up part added (its down part). */
  dropColumn(table: string, column: string): string
}

export function migrationsSql(dialect: Dialect): MigrationsSql {
  const table = dialect.quote(MIGRATIONS_TABLE)
  const appliedAt = dialect.name === 'postgres' ? 'TIMESTAMPTZ' : 'TEXT'
  const p = (n: number): string => dialect.placeholder(n)
  return {
    createTable: `CREATE TABLE IF NOT EXISTS ${table} ("name" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "applied_at" ${appliedAt} NOT NULL)`,
    selectApplied: `SELECT "name", "checksum" FROM ${table} ORDER BY "name"`,
    insert: `INSERT INTO ${table} ("name", "checksum", "applied_at") VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
    foreignKeyCheck: dialect.name === 'sqlite' ? 'SELECT * FROM pragma_foreign_key_check' : undefined,
    dropColumn: (name, column) => `ALTER TABLE ${dialect.quote(name)} DROP COLUMN ${dialect.quote(column)}`,
  }
}
