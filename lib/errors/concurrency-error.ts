import { OrmError } from './orm-error.js'

/**
 * Thrown when a write of an existing row did not hit it: the row was deleted or changed by someone else
 * (another connection or process) since it was loaded. Nothing of the failed write was written.
 *
 * ```ts
 * try {
 *   await ORM.flush()
 * } catch (error) {
 *   if (error instanceof ConcurrencyError) console.log(error.className, error.id)
 * }
 * ```
 */
export class ConcurrencyError extends OrmError {
  constructor(
    message: string,
    /** The class of the row. */
    readonly className: string,
    /** The row's id. */
    readonly id: unknown,
    /** Whether the row is gone (`deleted`) or still there in another state (`changed`). */
    readonly reason: 'deleted' | 'changed',
  ) {
    super(message)
  }

  /**
   * A flush missed rows: the first one is named, the count says how many. Their instances are
   * detached; the other pending changes stay pending.
   */
  static missedInFlush(className: string, id: unknown, reason: 'deleted' | 'changed', missed: number, detail = ''): ConcurrencyError {
    const others = missed > 1 ? ` (and ${missed - 1} more ${missed === 2 ? 'row' : 'rows'})` : ''
    return new ConcurrencyError(
      `${className} #${String(id)}${others} was deleted or changed by someone else since it was loaded${detail}, so its ` +
        `change cannot be written. Nothing from this flush was written; the instance is detached, and every other ` +
        `pending change stays pending: flush again to write them. Load the row again (reload() or findById()) and ` +
        're-apply the change.',
      className,
      id,
      reason,
    )
  }

  /** `delete()`, `softDelete()` or `restore()` of an instance whose row was deleted or changed meanwhile. */
  static missedInCall(className: string, id: unknown, method: string, reason: 'deleted' | 'changed', detail = ''): ConcurrencyError {
    const after =
      reason === 'deleted'
        ? 'The instance is detached.'
        : 'The instance is detached; reload() it to see the row as it is now, then call it again.'
    return new ConcurrencyError(
      `${className} #${String(id)}.${method}() changed nothing: the row was deleted or changed by someone else since it ` +
        `was loaded${detail}. ${after}`,
      className,
      id,
      reason,
    )
  }

  /** `reload()` of an instance whose row no longer exists. */
  static reloadedVanished(className: string, id: unknown): ConcurrencyError {
    return new ConcurrencyError(
      `${className} #${String(id)}.reload() found no row: it was deleted by someone else. The instance is detached.`,
      className,
      id,
      'deleted',
    )
  }
}
