import { DETACHED, MANAGED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'
import { adoptOwnFields, type CollectionWrapper } from './own-fields.js'
import type { JournalEntry, UnitOfWork } from './unit-of-work.js'

/**
 * @internal Records how an instance looked before `work`'s transaction first changed it, so that a rollback
 * can put it back; outside a transaction (no journal) it does nothing.
 */
export function journalInstance(work: UnitOfWork, entity: Stateful, state: EntityState): void {
  if (!work.journal || work.journal.has(entity)) return
  const values = state.values.map((value, i) => {
    const type = state.meta.columns[i]?.type
    if (Array.isArray(value)) return [...value]
    return (type === 'json' || type === 'date') && value !== null && typeof value === 'object' ? structuredClone(value) : value
  })
  work.journal.set(entity, {
    created: false,
    values,
    dirty: state.dirty && new Set(state.dirty),
    owner: state.owner,
    status: state.status,
    members: state.members,
  })
}

/**
 * @internal A committed nested transaction hands its journal to the enclosing one, whose rollback must still
 * put back what the inner one changed; an instance the enclosing one journaled already keeps its older entry.
 */
export function handJournalToParent(work: UnitOfWork, parent: UnitOfWork): void {
  if (!parent.journal) return
  for (const [entity, entry] of work.journal as Map<Stateful, JournalEntry>) {
    if (!parent.journal.has(entity)) parent.journal.set(entity, entry)
  }
}

/** @internal Puts every instance a rolled-back transaction touched back as it was before it. */
export function revertJournal(work: UnitOfWork, identityMap: IdentityMap, wrapCollection: CollectionWrapper): void {
  for (const [entity, entry] of work.journal as Map<Stateful, JournalEntry>) {
    const state = entity[STATE]
    work.newEntities.delete(entity)
    work.dirtyEntities.delete(entity)
    if (entry.created) {
      if (state.status === MANAGED) identityMap.delete(state.meta, state.values[0])
      // Never-flushed instances may still hold their fields as own properties, which would
      // hide the accessors that refuse changes to a detached instance.
      adoptOwnFields(entity, state, wrapCollection)
      state.status = DETACHED
      state.detachedBecause = 'it was created in a transaction that rolled back'
      state.dirty = undefined
      state.owner = undefined
      continue
    }
    state.values = entry.values.map((value, slot) =>
      state.meta.relationAtSlot[slot]?.kind === 'toMany' && Array.isArray(value) ? wrapCollection(entity, slot, value) : value,
    )
    state.dirty = entry.dirty
    state.owner = entry.owner
    state.members = entry.members
    state.snapshots = undefined
    if (state.status !== entry.status) {
      // Deleted inside the transaction: the row is back, and so is the instance.
      state.status = entry.status
      state.detachedBecause = undefined
      if (entry.status === MANAGED) identityMap.set(state.meta, state.values[0], entity)
    }
    if (entry.dirty && entry.owner) entry.owner.dirtyEntities.add(entity)
  }
}
