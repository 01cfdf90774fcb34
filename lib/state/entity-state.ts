import type { EntityMetadata } from '../metadata/entity-metadata.js'

/** @internal Where the ORM keeps an instance's state; a symbol so it never collides with user fields. */
export const STATE: unique symbol = Symbol('veil-orm.state')

/** @internal Lifecycle of an instance. */
export const NEW = 0
export const MANAGED = 1
export const DETACHED = 2
export type Status = typeof NEW | typeof MANAGED | typeof DETACHED

/** @internal The ORM's side of one instance: its column values and what is pending for it. */
export class EntityState {
  /** Column indexes assigned since the last flush. */
  dirty: Set<number> | undefined = undefined
  /** The unit of work that holds this instance's pending insert or changes. */
  owner: PendingScope | undefined = undefined
  /** Serialized json/date values as last persisted, taken when the object was handed out. */
  snapshots: unknown[] | undefined = undefined
  detachedBecause: string | undefined = undefined
  /**
   * While an `isDeleted` assignment is pending: the deletedAt before it (null for a live row), so that
   * flipping the flag back drops the change instead of writing a new one. Undefined when not recorded.
   */
  deletedAtBeforeFlag: Date | null | undefined = undefined
  /**
   * Per to-many slot: the members as last persisted (or loaded); undefined while unknown. Replaced,
   * never mutated, so that a transaction's journal can keep the previous array.
   */
  members: (readonly Stateful[] | undefined)[] | undefined = undefined

  constructor(
    readonly meta: EntityMetadata,
    /** Identifies the boot this instance belongs to; instances of an earlier boot are detached. */
    readonly epoch: number,
    public values: unknown[],
    public status: Status,
  ) {}
}

/** @internal Records a to-many slot's persisted members; the array of slots is replaced, never mutated, for the journal. */
export function setMembers(state: EntityState, slot: number, items: readonly Stateful[]): void {
  const members = state.members ? [...state.members] : new Array<undefined>(state.meta.slotCount)
  members[slot] = Object.freeze(items)
  state.members = members
}

/**
 * @internal Sets a slot to the value it has (or had) in the database: its pending change is gone, and so
 * is the instance's pending update when nothing else is dirty.
 */
export function clearPendingSlot(entity: Stateful, state: EntityState, slot: number, value: unknown): void {
  state.values[slot] = value
  if (state.dirty?.delete(slot) && state.dirty.size === 0) {
    state.dirty = undefined
    state.owner?.dirtyEntities.delete(entity)
    state.owner = undefined
  }
}

/**
 * @internal What instance state sees of the unit of work that holds its pending insert or changes:
 * its sets of pending instances (session's UnitOfWork is the one implementation).
 */
export interface PendingScope {
  newEntities: Set<Stateful>
  dirtyEntities: Set<Stateful>
}

/** @internal An object that carries ORM state. */
export interface Stateful {
  [STATE]: EntityState
}

/** @internal Serialized form of a mutable value, for change detection. */
export function serializeMutable(value: unknown): unknown {
  if (value instanceof Date) return value.getTime()
  return JSON.stringify(value)
}
