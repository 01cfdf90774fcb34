/**
 * @internal Hands out the deleted_at of soft deletes. A cascade's rows share one stamp and its restore finds
 * them by it, so cascades use odd milliseconds, each a new one, and every other soft delete an even one: a
 * cascade is never confused with a soft delete of this process (thousands of plain ones in one flush keep
 * the current time).
 */
export class DeletionClock {
  #lastCascadeStamp = 0

  /** Whether a deleted_at was drawn for a cascade (an odd millisecond), so a restore may bring its rows back. */
  static isCascadeStamp(stamp: Date): boolean {
    return stamp.getTime() % 2 === 1
  }

  /** The deleted_at for a soft delete made now: an even millisecond, or a fresh odd one for a cascade. */
  next(forCascade = false): Date {
    const now = Date.now()
    if (!forCascade) return new Date(now - (now % 2))
    const stamp = Math.max(now + 1 - (now % 2), this.#lastCascadeStamp + 2)
    this.#lastCascadeStamp = stamp
    return new Date(stamp)
  }
}
