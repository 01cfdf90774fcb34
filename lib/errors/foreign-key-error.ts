import { OrmError } from './orm-error.js'
import { describeFirst, type PendingInstance } from './pending-instance.js'

/** A reference of a flushed instance to a row that does not exist: its row, the relation and the missing row. */
export interface MissingReference {
  /** The instance's row: `Story #2`, `a new Story (title: "x")`. */
  readonly row: string
  /** The relation: `Story.author`. */
  readonly path: string
  /** The missing row: `Account #4`. */
  readonly target: string
}

/**
 * Thrown when the database refuses a write because a foreign key would dangle. For a flush, `instances`
 * holds the instances whose reference points at a row that does not exist (deleted by someone else).
 *
 * ```ts
 * try {
 *   await ORM.flush()
 * } catch (error) {
 *   if (error instanceof ForeignKeyError) for (const instance of error.instances) await instance.discard()
 * }
 * ```
 */
export class ForeignKeyError extends OrmError {
  constructor(
    readonly table: string | undefined,
    detail: string,
    options?: { cause?: unknown; instances?: readonly PendingInstance[]; references?: readonly MissingReference[] },
  ) {
    const references = options?.references ?? []
    super(
      references.length > 0
        ? `Foreign key violated: ${describeFirst(references.map(({ row, path, target }) => `${path} of ${row} points at ${target}`))}, ` +
            `${references.length === 1 ? 'which does' : 'rows that do'} not exist (deleted by someone else since loaded). ` +
            'Nothing from this flush was written; point the reference at an existing row, or discard() the instance ' +
            '(error.instances lists them), and flush again.'
        : `Foreign key violated${table ? ` on table "${table}"` : ''}${detail ? ` (${detail})` : ''}. ` +
            'The referenced row is missing or still referenced; nothing from this write was applied.',
      options,
    )
    this.detail = detail
    this.instances = options?.instances ?? []
  }

  /** What the database reported (the key and the table), when it said. */
  readonly detail: string

  /**
   * The instances of a failed flush whose reference (a to-one relation, or a new member of a to-many one)
   * points at a row that does not exist, in the order the flush wrote them. Their changes are pending
   * again. Empty when the error did not come from a flush or no instance was found.
   */
  readonly instances: readonly PendingInstance[]

  /** A flush's violation, traced to the instances at fault; `references` describes each, in the same order. */
  static inFlush(error: ForeignKeyError, instances: readonly PendingInstance[], references: readonly MissingReference[]): ForeignKeyError {
    return new ForeignKeyError(error.table, error.detail, { cause: error.cause, instances, references })
  }
}
