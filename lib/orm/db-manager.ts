import { SchemaChangeError } from '../errors/schema-change-error.js'
import { requireRuntime } from '../session/active-runtime.js'
import { dropUnusedColumns, dropUnusedTables, type DroppedColumn } from '../schema/schema-lifecycle.js'
import type { Runtime } from '../session/runtime.js'

/**
 * Drops what the booted classes no longer map; each method works on the booted ORM, in one transaction,
 * and returns what it dropped. It refuses (a `SchemaChangeError`, nothing dropped) a table a booted class
 * or relation maps, and a table that a table not dropped in the same call still references.
 *
 * ```ts
 * await DbManager.dropUnusedColumns()            // [{ table: 'account', column: 'legacy_code' }]
 * await DbManager.dropUnusedTables('old_thing')  // ['old_thing']
 * ```
 */
export class DbManager {
  /** Drops the columns no class maps, from every booted class's table, or from `table` only. */
  static async dropUnusedColumns(table?: string): Promise<DroppedColumn[]> {
    const runtime = await flushed('drop unused columns (DbManager.dropUnusedColumns())')
    return dropUnusedColumns(runtime.driver, runtime.registry, table)
  }

  /**
   * Drops the tables that look like veil-orm entity tables (a primary key `id`, `created_at` and
   * `updated_at`) but no booted class maps, or the unmapped table named (whatever program made it).
   */
  static async dropUnusedTables(table?: string): Promise<string[]> {
    const runtime = await flushed('drop unused tables (DbManager.dropUnusedTables())')
    return dropUnusedTables(runtime.driver, runtime.registry, 'table', table)
  }

  /** Drops the tables that look like veil-orm junction tables but no to-many relation maps, or the one named. */
  static async dropUnusedJunctions(table?: string): Promise<string[]> {
    const runtime = await flushed('drop unused junctions (DbManager.dropUnusedJunctions())')
    return dropUnusedTables(runtime.driver, runtime.registry, 'junction', table)
  }
}

/** The booted runtime outside any transaction, with every pending change written first. */
async function flushed(action: string): Promise<Runtime> {
  const runtime = outsideTransactions(action)
  runtime.enter()
  await runtime.flush()
  return runtime
}

/**
 * @internal The booted runtime, refusing while a transaction runs: schema work takes its own transaction
 * (on SQLite's one connection it could not begin; on PostgreSQL it could wait forever for the open one's locks).
 */
export function outsideTransactions(action: string): Runtime {
  const runtime = requireRuntime(action)
  if (runtime.transactions.size > 0) throw SchemaChangeError.inTransaction(action)
  return runtime
}
