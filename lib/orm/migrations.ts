import { generateMigration, pendingMigrations, runMigrations } from '../schema/migration-runner.js'
import type { MigrationRecord } from '../schema/migration-files.js'
import { outsideTransactions } from './db-manager.js'

/** Where the migration files of `ORM.migrations` live. */
export interface MigrationOptions {
  /** The folder of the migration files (created by `generate` if missing). */
  readonly dir: string
}

/**
 * `ORM.migrations`: migration files generated from `ORM.schemaDiff()`, reviewed, committed, and applied
 * at deploy time. A file is `<UTC timestamp>_<name>.<dialect>.sql` with an `-- up` and a `-- down` part.
 *
 * ```ts
 * await ORM.migrations.generate('add-priority', { dir: 'migrations' }) // 'migrations/20261130T114500Z_add-priority.postgres.sql'
 * await ORM.migrations.pending({ dir: 'migrations' })                  // [{ name, checksum }]
 * await ORM.migrations.run({ dir: 'migrations' })                      // what ran
 * ```
 */
export const migrations = {
  /** Writes the current diff as a migration file and returns its path; writes nothing (undefined) when the diff is empty. */
  async generate(name: string, options: MigrationOptions): Promise<string | undefined> {
    const runtime = outsideTransactions('generate a migration (ORM.migrations.generate())')
    return generateMigration(runtime.driver, runtime.registry, runtime.options.logger, name, options.dir)
  },

  /**
   * Applies every file of this dialect not recorded in `veil_migrations`, in file-name order, each in its
   * own transaction, and records it; returns what ran. Concurrent runners apply each file once.
   */
  async run(options: MigrationOptions): Promise<MigrationRecord[]> {
    const runtime = outsideTransactions('run migrations (ORM.migrations.run())')
    return runMigrations(runtime.driver, options.dir)
  },

  /** The files `run` would apply, in order. */
  async pending(options: MigrationOptions): Promise<MigrationRecord[]> {
    const runtime = outsideTransactions('list pending migrations (ORM.migrations.pending())')
    return pendingMigrations(runtime.driver, options.dir)
  },
}
