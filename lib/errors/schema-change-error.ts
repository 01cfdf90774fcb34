import { OrmError } from './orm-error.js'

/**
 * Thrown by `DbManager` when it refuses to drop something: a table or column a booted class maps, a
 * table other tables still reference, or a name that is not there; and by `DbManager` and
 * `ORM.schemaDiff()` called while a transaction is open. Nothing was dropped.
 */
export class SchemaChangeError extends OrmError {
  static mapped(table: string, mappedBy: string): SchemaChangeError {
    return new SchemaChangeError(
      `DbManager refused to drop the table "${table}": ${mappedBy} maps it. Nothing was dropped. ` +
        `Remove the class (or relation) from ORM.boot() first, or drop only unused parts.`,
    )
  }

  static notEntityTable(table: string): SchemaChangeError {
    return new SchemaChangeError(
      `DbManager.dropUnusedColumns('${table}'): "${table}" is not the table of a booted class, so no column of it is known to be unused. ` +
        `Nothing was dropped. Name the table of a class passed to ORM.boot(), or drop the whole table with DbManager.dropUnusedTables('${table}').`,
    )
  }

  static noSuchTable(table: string): SchemaChangeError {
    return new SchemaChangeError(`DbManager found no table "${table}" in the database. Nothing was dropped.`)
  }

  static referenced(problems: readonly string[]): SchemaChangeError {
    return new SchemaChangeError(
      `DbManager refused to drop tables that other tables still reference by a foreign key: ${problems.join('; ')}. ` +
        `Nothing was dropped. Drop the referencing tables in the same call (dropUnusedTables() without a name drops every unused table), ` +
        `or remove their foreign keys first.`,
    )
  }

  static inTransaction(action: string): SchemaChangeError {
    return new SchemaChangeError(
      `Cannot ${action} while an ORM.transaction() is open: schema work runs in a transaction of its own, ` +
        `under the schema lock. Nothing was dropped. Call it outside the transaction.`,
    )
  }

  static brokenKeys(table: string, rows: number): SchemaChangeError {
    return new SchemaChangeError(
      `DbManager rebuilt the table "${table}" but ${rows} row(s) of the database break a foreign key; the rebuild was rolled back and nothing was dropped. ` +
        `Find them with PRAGMA foreign_key_check and fix them first.`,
    )
  }
}
