import { OrmError } from './orm-error.js'
import { describeFirst, type PendingInstance } from './pending-instance.js'

/**
 * Thrown when a write would duplicate a value of a unique column; names the class and property, and, for
 * a flush, the instances whose value duplicates another row (`instances`).
 *
 * ```ts
 * try {
 *   await ORM.flush()
 * } catch (error) {
 *   if (error instanceof UniqueConstraintError) for (const instance of error.instances) await instance.discard()
 * }
 * ```
 */
export class UniqueConstraintError extends OrmError {
  constructor(
    readonly className: string | undefined,
    readonly property: string | undefined,
    detail: string,
    options?: { cause?: unknown; action?: string; instances?: readonly PendingInstance[]; rows?: readonly string[] },
  ) {
    const target = className && property ? `${className}.${property}` : 'a unique column'
    const by = options?.rows && options.rows.length > 0 ? ` by ${describeFirst(options.rows)}` : ''
    super(
      options?.action
        ? `Cannot ${options.action}: a live row already holds its value of ${target}${detail ? ` (${detail})` : ''}. ` +
            'Nothing was changed; change the value on one of the two rows, then restore again.'
        : `Unique constraint violated on ${target}${by}${detail ? ` (${detail})` : ''}. ` +
            `Nothing from this flush was written; change the value${by ? ' (error.instances lists the instances), or discard() the instance,' : ''} and flush again.`,
      options,
    )
    this.detail = detail
    this.instances = options?.instances ?? []
  }

  /** What the database reported (table and column), when it said. */
  readonly detail: string

  /**
   * The instances of a failed flush whose value duplicates a row already in the table or an earlier row
   * of the same flush (a soft-deletable class: among live rows), in the order the flush wrote them. Their
   * changes are pending again. Empty when the error did not come from a flush or no instance was found.
   */
  readonly instances: readonly PendingInstance[]

  /** The same conflict, hit by a restore (`action`, e.g. 'restore User #1'), which is not a flush. */
  static inRestore(error: UniqueConstraintError, action: string): UniqueConstraintError {
    return new UniqueConstraintError(error.className, error.property, error.detail, { cause: error.cause, action })
  }

  /** The conflict of a flush, traced to the instances at fault; `rows` names each of them, in the same order. */
  static inFlush(error: UniqueConstraintError, instances: readonly PendingInstance[], rows: readonly string[]): UniqueConstraintError {
    return new UniqueConstraintError(error.className, error.property, error.detail, { cause: error.cause, instances, rows })
  }
}
