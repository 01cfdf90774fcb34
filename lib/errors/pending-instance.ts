/**
 * An entity instance as a flush error carries it: the instance whose pending insert or change the flush
 * could not write (it is pending again). Every entity is one; narrow it with `instanceof` to reach its
 * properties.
 *
 * ```ts
 * if (error instanceof ValidationError && error.instance) await error.instance.discard()
 * if (error instanceof UniqueConstraintError && error.instances[0] instanceof Account) error.instances[0].email = 'x'
 * ```
 */
export interface PendingInstance {
  /** Drops the instance's pending insert or changes and detaches it (`Entity.discard()`). */
  discard(): Promise<boolean>
}

/** How many instances at fault a flush error's message names; the error's `instances` holds them all. */
const INSTANCES_IN_MESSAGE = 3

/** @internal `a, b, c and 2 more`: the first few of a list of row descriptions. */
export function describeFirst(rows: readonly string[]): string {
  const shown = rows.slice(0, INSTANCES_IN_MESSAGE).join(', ')
  return rows.length > INSTANCES_IN_MESSAGE ? `${shown} and ${rows.length - INSTANCES_IN_MESSAGE} more` : shown
}
