import { OrmError } from './orm-error.js'

/** Thrown by `restore()` when the row cannot come back as asked; nothing was changed. */
export class RestoreError extends OrmError {
  static parentDeleted(row: string, path: string, parent: string): RestoreError {
    return new RestoreError(
      `Cannot restore ${row}: its required parent ${parent} (${path}) is still soft-deleted, and a row must not come ` +
        `back under a hidden parent. Restore ${parent} first, or call restore({ withAncestors: true }).`,
    )
  }
}
