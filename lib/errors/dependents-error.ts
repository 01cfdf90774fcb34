import { OrmError } from './orm-error.js'

/**
 * The rows that stand in the way of a hard delete, per dependent class:
 * `{ Story: [[story1, story2], ['createdBy']] }` — the instances, then the props of that class that
 * can point at the deleted instance.
 */
export type DependentsDict<T extends object = object> = Record<string, [dependentInstances: T[], dependentProps: string[]]>

/** Exact numbers of dependent rows, per dependent class and prop: `{ Story: { createdBy: 120000 } }`. */
export type DependentCounts = Record<string, Record<string, number>>

/** How many of a class's first dependents an error carries; the counts are always exact. */
export const DEPENDENTS_IN_ERROR = 100

/**
 * Thrown by `delete()` while rows still depend on the instance (a required relation points at it);
 * nothing was deleted. Decouple the dependents (reassign or delete them) and retry.
 */
export class DependentsError extends OrmError {
  constructor(
    /** What was to be deleted: `User #1`, or `3 User rows`. */
    readonly target: string,
    /** Exact counts per dependent class and prop. */
    readonly counts: DependentCounts,
    /** Up to the first 100 dependent instances per class, with their props. */
    readonly dependents: DependentsDict,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot delete ${target}: dependent rows still point at it through ${describeCounts(counts)}. ` +
        'Call getDependents() on it, then reassign those properties or delete the dependents, and retry.',
      options,
    )
  }
}

/** `Story.createdBy (2 rows), Review.approvedBy (1 row)` */
function describeCounts(counts: DependentCounts): string {
  const parts: string[] = []
  for (const [className, byProp] of Object.entries(counts)) {
    for (const [prop, n] of Object.entries(byProp)) parts.push(`${className}.${prop} (${n} ${n === 1 ? 'row' : 'rows'})`)
  }
  return parts.join(', ')
}
