import { OrmError } from './orm-error.js'

/** @internal Added to a missing table's or column's error: boot with skipTableCreation does not create them. */
export const MISSING_SCHEMA_HINT =
  'The database lacks a table or column the classes map (a boot with skipTableCreation does not create them): ' +
  'ORM.schemaDiff() lists what is missing, ORM.migrations.generate() and ORM.migrations.run() create it.'

/** Any other error the database reported; the driver's error (with its code) is in `cause`. */
export class DatabaseError extends OrmError {
  constructor(
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
