import { v7 as uuidv7 } from 'uuid'
import { DetachedInstanceError } from '../errors/detached-instance-error.js'
import { NotBootedError } from '../errors/not-booted-error.js'
import type { OrmError } from '../errors/orm-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { DETACHED, EntityState, MANAGED, NEW, STATE, clearPendingSlot, serializeMutable, type Stateful } from '../state/entity-state.js'
import { trackedArray } from '../state/tracked-array.js'
import { journalInstance } from './journal.js'
import { ownerOf, type JournalEntry, type UnitOfWork } from './unit-of-work.js'

/** The journal entry of every instance created inside a transaction: one shared object, not one per instance. */
const CREATED: JournalEntry = Object.freeze({ created: true })

/**
 * @internal The parts of the booted ORM that change tracking works with, handed over directly rather than
 * through the runtime: every assignment reaches them.
 */
export interface TrackerParts {
  readonly epoch: number
  /** The units of work of the running code. */
  readonly scopes: { readonly globalWork: UnitOfWork; currentWork(): UnitOfWork }
  /** Flushes the process-wide work after a change to it. */
  readonly scheduler: { schedule(): void }
  /** Set once close() was called: every later change throws, as the final flush could not write it. */
  readonly closer: { readonly isClosing: boolean }
}

/**
 * @internal Turns assignments into pending changes: the entity's constructor and property accessors call
 * it, and it files each change with the unit of work of the calling scope (journaled inside transactions).
 */
export class ChangeTracker {
  readonly #epoch: number
  readonly #scopes: TrackerParts['scopes']
  readonly #scheduler: TrackerParts['scheduler']
  readonly #closer: TrackerParts['closer']
  /** Set while memory catches up with a change the database already made: not a pending change. */
  #isApplyingDatabaseChange = false

  constructor(parts: TrackerParts) {
    this.#epoch = parts.epoch
    this.#scopes = parts.scopes
    this.#scheduler = parts.scheduler
    this.#closer = parts.closer
  }

  /** Wraps a to-many relation's items in an array that marks the owner dirty when it changes. */
  readonly wrapCollection = (entity: Stateful, slot: number, items: Iterable<unknown>): unknown[] =>
    trackedArray(items, () => this.onCollectionChange(entity, entity[STATE], slot))

  /** A new instance: gives it state (and a uuid unless the database generates its id) and a pending insert. */
  trackNew(entity: Stateful, meta: EntityMetadata): void {
    const values = new Array<unknown>(meta.slotCount).fill(undefined)
    if (!meta.isIdGenerated) values[0] = uuidv7()
    if (meta.discriminatorColumn) values[meta.discriminatorColumn.index] = meta.className
    const state = new EntityState(meta, this.#epoch, values, NEW)
    entity[STATE] = state
    const work = this.#scopes.currentWork()
    state.owner = work
    work.newEntities.add(entity)
    work.isHeldBack = false
    work.journal?.set(entity, CREATED)
    if (work === this.#scopes.globalWork) this.#scheduler.schedule()
  }

  /** An assignment to a slot: a pending change of the instance (unless it changes nothing). */
  onWrite(entity: Stateful, state: EntityState, index: number, value: unknown): void {
    this.#assertChangeable(state, index)
    if (state.status === NEW) {
      state.values[index] = value
      this.#onNewChange(entity, state, index)
      return
    }
    const previous = state.values[index]
    if (previous === value && (typeof value !== 'object' || value === null)) return
    const work = this.#scopes.currentWork()
    journalInstance(work, entity, state)
    state.values[index] = value
    this.#markDirty(entity, state, index, work)
  }

  /**
   * Puts back the value a slot had before its pending change, which is no change: the slot is no
   * longer dirty (nor the instance, when nothing else is).
   */
  dropPendingChange(entity: Stateful, state: EntityState, slot: number, value: unknown): void {
    this.#assertChangeable(state, slot)
    clearPendingSlot(entity, state, slot, value)
  }

  /** A to-many relation's array is about to change (called before the change, so the journal sees the old items). */
  onCollectionChange(entity: Stateful, state: EntityState, slot: number): void {
    if (this.#isApplyingDatabaseChange) return
    this.#assertChangeable(state, slot)
    if (state.status === NEW) {
      this.#onNewChange(entity, state, slot)
      return
    }
    const work = this.#scopes.currentWork()
    journalInstance(work, entity, state)
    this.#markDirty(entity, state, slot, work)
  }

  /** A json/date object was handed out: snapshot it so an in-place edit is detected at flush. */
  onMutableRead(entity: Stateful, state: EntityState, index: number): void {
    if (state.status !== MANAGED || state.epoch !== this.#epoch || this.#closer.isClosing) return
    const snapshots = (state.snapshots ??= [])
    if (snapshots[index] === undefined) snapshots[index] = serializeMutable(state.values[index])
    const work = this.#scopes.currentWork()
    journalInstance(work, entity, state)
    work.suspects.add(entity)
    if (work === this.#scopes.globalWork) this.#scheduler.schedule()
  }

  /**
   * Runs `apply`, which brings memory in line with a change the database already made: changes it
   * makes to to-many arrays are not pending changes.
   */
  applyDatabaseChange(apply: () => void): void {
    this.#isApplyingDatabaseChange = true
    try {
      apply()
    } finally {
      this.#isApplyingDatabaseChange = false
    }
  }

  /** The error for using an instance that is detached or belongs to an earlier boot. */
  detachedError(state: EntityState): DetachedInstanceError {
    const why = state.epoch !== this.#epoch ? 'it belongs to an earlier ORM.boot()' : (state.detachedBecause ?? 'detached')
    return DetachedInstanceError.detached(state.meta.className, state.values[0], why)
  }

  /** A new instance changed: its pending insert carries the change, unless a running flush took the insert. */
  #onNewChange(entity: Stateful, state: EntityState, slot: number): void {
    const owner = ownerOf(state)
    // Taken by a flush that is still running: record the change so it is not lost.
    if (owner && !owner.newEntities.has(entity)) this.#markDirty(entity, state, slot, owner)
    else if (owner?.isHeldBack) this.#resume(owner)
  }

  /** Throws when a change cannot be accepted: close() was called, or the instance is detached. */
  #assertChangeable(state: EntityState, slot: number): void {
    if (state.status === DETACHED || state.epoch !== this.#epoch || this.#closer.isClosing) throw this.#refuseChange(state, slot)
  }

  /** Why a change cannot be accepted: close() was called, or the instance is detached. */
  #refuseChange(state: EntityState, slot: number): OrmError {
    if (!this.#closer.isClosing || state.epoch !== this.#epoch) return this.detachedError(state)
    const property = state.meta.columns[slot]?.property ?? state.meta.relationAtSlot[slot]?.property
    return NotBootedError.closing(`change ${state.meta.className}.${property ?? 'a property'}`)
  }

  #markDirty(entity: Stateful, state: EntityState, index: number, work: UnitOfWork): void {
    ;(state.dirty ??= new Set()).add(index)
    if (state.owner !== work) {
      state.owner?.dirtyEntities.delete(entity)
      state.owner = work
    }
    work.dirtyEntities.add(entity)
    work.isHeldBack = false
    if (work === this.#scopes.globalWork) this.#scheduler.schedule()
  }

  /** A change to work that a failed flush handed back: the scheduled flush may try it again. */
  #resume(work: UnitOfWork): void {
    work.isHeldBack = false
    if (work === this.#scopes.globalWork) this.#scheduler.schedule()
  }
}
