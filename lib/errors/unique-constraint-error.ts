import { OrmError } from './orm-error.js'

/** Thrown when a write would duplicate a value of a unique column; names the class and property. */
export class UniqueConstraintError extends OrmError {
  constructor(
    readonly className: string | undefined,
    readonly property: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const target = className && property ? `${className}.${property}` : 'a unique column'
    super(
      `Unique constraint violated on ${target}${detail ? ` (${detail})` : ''}. ` +
        'Nothing from this flush was written; change the value and flush again.',
      options,
    )
  }
}
