import { OrmError } from './orm-error.js'

/** Thrown when an instance the ORM no longer tracks is changed or saved. */
export class DetachedInstanceError extends OrmError {
  static detached(className: string, id: unknown, why: string): DetachedInstanceError {
    return new DetachedInstanceError(
      `${className}${id === undefined ? '' : ` #${String(id)}`} is detached (${why}); ` +
        'changes to it are not persisted. Load the row again with find()/findById() or create a new instance.',
    )
  }
}
