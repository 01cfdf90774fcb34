import { OrmError } from './orm-error.js'

/** Thrown when the database connection fails or is lost; pending changes stay pending for a retry. */
export class ConnectionError extends OrmError {
  static lost(cause: unknown): ConnectionError {
    const reason = cause instanceof Error ? cause.message : String(cause)
    return new ConnectionError(
      `The database connection failed (${reason}). Nothing from this operation was committed; ` +
        'pending changes are kept, so retry once the database is reachable.',
      { cause },
    )
  }
}
