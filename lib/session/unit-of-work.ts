import type { Connection, TransactionConnection } from '../dialect/dialect.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { EntityState, PendingScope, Stateful, Status } from '../state/entity-state.js'

/** @internal What an instance looked like when a transaction first touched it. */
export type JournalEntry =
  | { readonly created: true }
  | {
      readonly created: false
      readonly values: unknown[]
      readonly dirty: Set<number> | undefined
      readonly owner: PendingScope | undefined
      readonly status: Status
      readonly members: (readonly Stateful[] | undefined)[] | undefined
    }

/**
 * @internal The pending changes of one scope: the process-wide scope, or one `ORM.transaction()`.
 * A transaction's unit of work also journals every instance it touches, so that a rollback
 * can put the instances back as they were.
 */
export class UnitOfWork implements PendingScope {
  newEntities = new Set<Stateful>()
  dirtyEntities = new Set<Stateful>()
  /** Instances whose json/date objects were handed out and may have been mutated in place. */
  suspects = new Set<Stateful>()
  /** Classes a transaction wrote: loaded inverse views of them go stale again when it ends. */
  readonly touched = new Set<EntityMetadata>()
  /** The flush in progress, so that flushes of one scope never overlap. */
  flushing: Promise<void> | undefined = undefined
  /**
   * Set when a failed flush handed its work back, cleared by the next change or flush: while set, the
   * scheduled flush leaves the work alone, so that a failure is never retried behind the caller's back.
   */
  isHeldBack = false
  /**
   * The error of a failed scheduled flush that no call has seen yet. The next call rethrows it, unless
   * a change or a flush of this work came first (the work was changed or written since).
   */
  backgroundError: Error | undefined = undefined

  constructor(
    readonly connection: Connection,
    readonly parent: UnitOfWork | undefined,
    readonly journal: Map<Stateful, JournalEntry> | undefined,
  ) {}

  get transaction(): TransactionConnection | undefined {
    return this.journal ? (this.connection as TransactionConnection) : undefined
  }

  get hasPending(): boolean {
    return this.newEntities.size > 0 || this.dirtyEntities.size > 0 || this.suspects.size > 0
  }
}

/**
 * @internal The unit of work that holds an instance's pending insert or changes. Instance state types its
 * owner as a PendingScope (state/ sits below session/), but only session/ assigns it, always a UnitOfWork.
 */
export function ownerOf(state: EntityState): UnitOfWork | undefined {
  return state.owner as UnitOfWork | undefined
}
