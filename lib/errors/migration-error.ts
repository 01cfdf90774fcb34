import { OrmError } from './orm-error.js'

/**
 * Thrown by `ORM.migrations.run()`: a migration file changed after it was applied, a file is not a
 * migration, or a statement of a file failed. Nothing of the file named was applied (its transaction
 * rolled back, and it is not recorded in `veil_migrations`); files before it stay applied.
 */
export class MigrationError extends OrmError {
  /** The migration file at fault. */
  readonly file: string

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.file = file
  }

  static changed(file: string): MigrationError {
    return new MigrationError(
      file,
      `The migration file ${file} changed after it was applied (its sha256 checksum differs from the one recorded in veil_migrations). ` +
        `Nothing was applied. Restore the file as it was applied, and put further changes in a new migration (ORM.migrations.generate()).`,
    )
  }

  static notMigration(file: string): MigrationError {
    return new MigrationError(file, `${file} has no "-- up" line, so it is not a veil-orm migration file. Nothing was applied; add "-- up" above its statements.`)
  }

  static failed(file: string, statement: string, cause: unknown): MigrationError {
    const reason = cause instanceof Error ? cause.message : String(cause)
    return new MigrationError(
      file,
      `The migration ${file} failed and was rolled back (not recorded in veil_migrations): ${reason}, in: ${statement}. ` +
        `Fix the file (it was never applied, so editing it is safe) and run the migrations again.`,
      { cause },
    )
  }

  static brokenKeys(file: string, count: number): MigrationError {
    return new MigrationError(
      file,
      `The migration ${file} was rolled back: afterwards ${count} row(s) broke a foreign key. Fix the data or the file and run again.`,
    )
  }
}
