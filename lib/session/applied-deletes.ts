import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { DETACHED, STATE, clearPendingSlot, setMembers, type Stateful } from '../state/entity-state.js'
import { referencedId } from '../state/reference.js'
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
  forgetReferences(runtime, work, meta, deleted, true)
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
    clearPendingSlot(entity, state, slot, deletedAt)
  }
  if (deletedAt !== undefined) hideSoftDeleted(runtime, work, meta, ids)
  if (ids.length > 0) runtime.noteWrite(meta, work)
}

/**
 * @internal Soft-deleted rows are hidden: they leave the loaded to-many arrays that hold them (their
 * junction rows stay). Restored ones come back when those arrays are next loaded.
 */
export function hideSoftDeleted(runtime: Runtime, work: UnitOfWork, meta: EntityMetadata, ids: readonly unknown[]): void {
  if (ids.length > 0) forgetReferences(runtime, work, meta, new Set(ids), false)
}

/**
 * Takes the rows `deleted` of `meta` out of the loaded to-many arrays that hold them (and out of their
 * persisted members, so no junction change follows), and, for a hard delete, clears the optional
 * to-one references to them. Walks the in-memory instances of each referencing class.
 */
function forgetReferences(runtime: Runtime, work: UnitOfWork, meta: EntityMetadata, deleted: ReadonlySet<unknown>, isHardDelete: boolean): void {
  const isDeleted = (value: unknown): boolean => {
    const id = referencedId(value)
    return id !== undefined && deleted.has(id)
  }
  runtime.applyDatabaseChange(() => {
    for (const [owner, references] of runtime.graph.referenceRelations(meta)) {
      // Required references cannot point at a hard-deleted row (the delete checked), and a soft delete
      // leaves to-one references as they are: only the rest make it worth walking the instances.
      const relations = references.filter((relation) => (isHardDelete ? !relation.isDependency : relation.kind === 'toMany'))
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
            const persisted = state.members?.[relation.slot]
            if (persisted) setMembers(state, relation.slot, persisted.filter((item) => !isDeleted(item)))
          }
        }
      }
    }
  })
}
