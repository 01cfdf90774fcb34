import { OrmError } from './orm-error.js'

/** Thrown by `restore()` when the row cannot come back as asked; nothing was changed. */
export class RestoreError extends OrmError {
  static parentDeleted(row: string, path: string, parent: string): RestoreError {
    return new RestoreError(
      `Cannot restore ${row}: its required parent ${parent} (${path}) is still soft-deleted, and a row must not come ` +
        `back under a hidden parent. Restore ${parent} first, or call restore({ withAncestors: true }).`,
    )
  }

  /** A flush would make a row live (`isDeleted = false`) under a parent that stays soft-deleted. */
  static parentDeletedInFlush(row: string, path: string, parent: string): RestoreError {
    return new RestoreError(
      `Cannot restore ${row} (isDeleted = false): its required parent ${parent} (${path}) is still soft-deleted, and a ` +
        `row must not come back under a hidden parent. Nothing from this flush was written. Restore ${parent} too ` +
        `(in the same flush is fine), or set isDeleted back to true, then flush again.`,
    )
  }
}
