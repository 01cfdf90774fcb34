import type { DetachedInstanceError } from '../errors/detached-instance-error.js'
import { DETACHED, MANAGED, NEW, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'
import { detectInPlaceChanges } from './flusher.js'
import { journalInstance } from './journal.js'
import { adoptOwnFields, type CollectionWrapper } from './own-fields.js'
import { ownerOf, type UnitOfWork } from './unit-of-work.js'

/** @internal What discarding pending work needs from the booted ORM. */
export interface DiscardHost {
  readonly epoch: number
  readonly identityMap: IdentityMap
  readonly wrapCollection: CollectionWrapper
  currentWork(): UnitOfWork
  detachedError(state: EntityState): DetachedInstanceError
}

/**
 * @internal `instance.discard()`: drops one instance's pending insert or changes: a new instance is never
 * inserted, a persisted one forgets its unflushed changes. Either way it is detached. Returns whether
 * anything was pending.
 */
export async function discardInstance(host: DiscardHost, entity: Stateful): Promise<boolean> {
  const state = entity[STATE]
  if (state.epoch !== host.epoch) throw host.detachedError(state)
  const work = host.currentWork()
  // A flush that took the instance decides first: it may write it (then there is nothing to drop) or hand it back.
  for (const scope of new Set([work, ownerOf(state) ?? work])) {
    while (scope.flushing) await scope.flushing.catch(() => undefined)
    detectInPlaceChanges(scope)
  }
  if (state.status === DETACHED || (state.status === MANAGED && !state.dirty)) return false
  detach(host, entity, state, work)
  return true
}

/** @internal Drops every pending insert and change of `work`; returns how many instances had some. */
export async function discardPendingWork(host: DiscardHost, work: UnitOfWork): Promise<number> {
  while (work.flushing) await work.flushing.catch(() => undefined)
  detectInPlaceChanges(work)
  const pending = new Set([...work.newEntities, ...work.dirtyEntities])
  for (const entity of pending) detach(host, entity, entity[STATE], work)
  work.isHeldBack = false
  work.backgroundError = undefined
  return pending.size
}

function detach(host: DiscardHost, entity: Stateful, state: EntityState, scope: UnitOfWork): void {
  // Inside a transaction, journal first: a rollback brings the instance and its changes back.
  journalInstance(scope, entity, state)
  state.owner?.newEntities.delete(entity)
  state.owner?.dirtyEntities.delete(entity)
  if (state.status === NEW) {
    // Fields that class initializers defined as own properties would hide the refusing accessors.
    adoptOwnFields(entity, state, host.wrapCollection)
    state.detachedBecause = 'its pending insert was discarded'
  } else {
    host.identityMap.delete(state.meta, state.values[0])
    state.detachedBecause = 'its unflushed changes were discarded; load the row again with findById()'
  }
  state.status = DETACHED
  state.dirty = undefined
  state.owner = undefined
  state.snapshots = undefined
}
