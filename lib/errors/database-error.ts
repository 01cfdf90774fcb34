import { OrmError } from './orm-error.js'

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
