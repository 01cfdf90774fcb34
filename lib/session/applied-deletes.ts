import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { forgetRows, type SoftDeleteMemoryHost } from '../soft-delete/soft-delete-memory.js'
import { DETACHED, STATE, type Stateful } from '../state/entity-state.js'
import type { UnitOfWork } from './unit-of-work.js'

/**
 * @internal After rows were hard-deleted in `work`'s transaction: their instances are detached, optional
 * references to them are cleared and they leave loaded to-many arrays, as the database's SET NULL and
 * CASCADE did. Every change is journaled, so a rollback of an enclosing transaction restores it.
 */
export function applyHardDelete(host: SoftDeleteMemoryHost<UnitOfWork>, work: UnitOfWork, meta: EntityMetadata, ids: readonly unknown[]): void {
  const deleted = new Set(ids)
  for (const id of ids) {
    const entity = host.identityMap.get(meta, id) as Stateful | undefined
    if (!entity) continue
    const state = entity[STATE]
    host.journal(work, entity, state)
    state.owner?.dirtyEntities.delete(entity)
    state.status = DETACHED
    state.detachedBecause = 'it was deleted'
    state.dirty = undefined
    state.owner = undefined
    host.identityMap.delete(meta, id)
  }
  forgetRows(host, work, meta, deleted, true)
  host.noteWrite(meta, work)
}
