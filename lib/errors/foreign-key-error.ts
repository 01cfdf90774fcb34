import { OrmError } from './orm-error.js'

/** Thrown when the database refuses a write because a foreign key would dangle. */
export class ForeignKeyError extends OrmError {
  constructor(
    readonly table: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Foreign key violated${table ? ` on table "${table}"` : ''}${detail ? ` (${detail})` : ''}. ` +
        'The referenced row is missing or still referenced; nothing from this write was applied.',
      options,
    )
  }
}
