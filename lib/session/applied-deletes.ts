import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { DETACHED, STATE, type Stateful } from './entity-state.js'
import { referencedId } from './reference.js'
import type { Runtime } from './runtime.js'
import type { UnitOfWork } from './unit-of-work.js'

/**
 * @internal After rows were hard-deleted in `work`'s transaction: their instances are detached, optional
 * references to them are cleared and they leave loaded to-many arrays, as the database's SET NULL and
 * CASCADE did. Every change is journaled, so a rollback of an enclosing transaction restores it.
 */
export function applyHardDelete(runtime: Runtime, work: UnitOfWork, meta: EntityMetadata, ids: readonly unknown[]): void {
  const deleted = new Set(ids)
  for (const id of ids) {
    const entity = runtime.identityMap.get(meta, id) as Stateful | undefined
    if (!entity) continue
    const state = entity[STATE]
    runtime.journal(work, entity, state)
    state.owner?.dirtyEntities.delete(entity)
    state.status = DETACHED
    state.detachedBecause = 'it was deleted'
    state.dirty = undefined
    state.owner = undefined
    runtime.identityMap.delete(meta, id)
  }
  const isDeleted = (value: unknown): boolean => {
    const id = referencedId(value)
    return id !== undefined && deleted.has(id)
  }
  runtime.applyDatabaseChange(() => {
    for (const [owner, references] of runtime.graph.referenceRelations(meta)) {
      // Required references cannot point at a deleted row (the delete checked), so only optional
      // and to-many ones changed, and only they make it worth walking the class's instances in memory.
      const relations = references.filter((relation) => !relation.isDependency)
      if (relations.length === 0) continue
      runtime.noteWrite(owner, work)
      for (const instance of runtime.identityMap.instancesOf(owner)) {
        const entity = instance as Stateful
        const state = entity[STATE]
        for (const relation of relations) {
          const value = state.values[relation.slot]
          if (relation.kind === 'toOne') {
            if (state.dirty?.has(relation.slot) || !isDeleted(value)) continue
            runtime.journal(work, entity, state)
            state.values[relation.slot] = undefined
          } else if (Array.isArray(value) && value.some(isDeleted)) {
            runtime.journal(work, entity, state)
            for (let i = value.length - 1; i >= 0; i--) if (isDeleted(value[i])) value.splice(i, 1)
            const members = state.members ? [...state.members] : new Array<undefined>(state.meta.slotCount)
            const persisted = members[relation.slot]
            if (persisted) members[relation.slot] = Object.freeze(persisted.filter((item) => !isDeleted(item)))
            state.members = members
          }
        }
      }
    }
  })
  runtime.noteWrite(meta, work)
}

/**
 * @internal After a soft delete or restore the database already made: identity-mapped instances take the new
 * deleted_at (journaled, so that a rolled-back transaction puts them back).
 */
export function applySoftDeleteState(
  runtime: Runtime,
  work: UnitOfWork,
  meta: EntityMetadata,
  ids: readonly unknown[],
  deletedAt: Date | undefined,
): void {
  const slot = (meta.deletedAtColumn as ColumnMetadata).index
  for (const id of ids) {
    const entity = runtime.identityMap.get(meta, id) as Stateful | undefined
    if (!entity) continue
    const state = entity[STATE]
    runtime.journal(work, entity, state)
    state.values[slot] = deletedAt
    if (state.dirty?.delete(slot) && state.dirty.size === 0) {
      state.dirty = undefined
      state.owner?.dirtyEntities.delete(entity)
      state.owner = undefined
    }
  }
  if (ids.length > 0) runtime.noteWrite(meta, work)
}
