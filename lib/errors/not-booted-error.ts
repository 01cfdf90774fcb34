import { OrmError } from './orm-error.js'

/** Thrown when an entity API is used before `ORM.boot()`, or once `ORM.close()` was called (even while it runs). */
export class NotBootedError extends OrmError {
  static notBooted(action: string): NotBootedError {
    return new NotBootedError(
      `Cannot ${action}: the ORM is not booted. Call 'await ORM.boot([...classes])' at startup first.`,
    )
  }

  static closing(action: string): NotBootedError {
    return new NotBootedError(
      `Cannot ${action}: ORM.close() was called, and nothing done after that call reaches the database. ` +
        'Make changes and calls before ORM.close(), or boot again.',
    )
  }

  static notRegistered(className: string): NotBootedError {
    return new NotBootedError(
      `${className} was not passed to ORM.boot(). Add it to the list of classes given to ORM.boot([...]).`,
    )
  }
}
