import { OrmError } from './orm-error.js'

/** Thrown when a write would duplicate a value of a unique column; names the class and property. */
export class UniqueConstraintError extends OrmError {
  constructor(
    readonly className: string | undefined,
    readonly property: string | undefined,
    detail: string,
    options?: { cause?: unknown; action?: string },
  ) {
    const target = className && property ? `${className}.${property}` : 'a unique column'
    super(
      options?.action
        ? `Cannot ${options.action}: a live row already holds its value of ${target}${detail ? ` (${detail})` : ''}. ` +
            'Nothing was changed; change the value on one of the two rows, then restore again.'
        : `Unique constraint violated on ${target}${detail ? ` (${detail})` : ''}. ` +
            'Nothing from this flush was written; change the value and flush again.',
      options,
    )
    this.detail = detail
  }

  /** What the database reported (table and column), when it said. */
  readonly detail: string

  /** The same conflict, hit by a restore (`action`, e.g. 'restore User #1'), which is not a flush. */
  static inRestore(error: UniqueConstraintError, action: string): UniqueConstraintError {
    return new UniqueConstraintError(error.className, error.property, error.detail, { cause: error.cause, action })
  }
}
