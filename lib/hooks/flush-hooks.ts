import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { LifecycleEvent } from '../metadata/hook-decorators.js'
import { MANAGED, NEW, STATE, type Stateful } from '../state/entity-state.js'
import type { Happened, HookRunner } from './hook-runner.js'

/** @internal The pending work of a flush, as the hook phases see it (a UnitOfWork). */
export interface PendingWork {
  readonly newEntities: ReadonlySet<Stateful>
  readonly dirtyEntities: ReadonlySet<Stateful>
}

/** @internal What a flush took and wrote: its inserts, and its updates with their changed slots. */
export interface WrittenWork {
  readonly inserts: readonly Stateful[]
  readonly updates: readonly Stateful[]
  readonly updatedSlots: readonly Set<number>[]
}

/**
 * @internal The before phase of a flush: runs each pending instance's before-hook for its event, then
 * again for instances that those hooks created or changed, until none is left; each instance once.
 * `detectInPlaceChanges` lets in-place edits of json/date values made by a hook count.
 */
export async function runBeforeFlushHooks(hooks: HookRunner, work: PendingWork, detectInPlaceChanges: () => void): Promise<void> {
  const seen = new Set<Stateful>()
  for (;;) {
    detectInPlaceChanges()
    const next = [...work.newEntities, ...work.dirtyEntities].filter((entity) => !seen.has(entity))
    if (next.length === 0) return
    for (const entity of next) {
      seen.add(entity)
      const state = entity[STATE]
      const event = state.status === NEW ? 'insert' : state.dirty && eventOfChange(state.meta, state.dirty, state.values)
      if (event) await hooks.before(state.meta, event, [entity])
    }
  }
}

/** @internal The after phase's input: what a committed flush did, per class and event, in write order. */
export function happenedInFlush(taken: WrittenWork): Happened[] {
  const groups = new Map<string, { meta: EntityMetadata; event: LifecycleEvent; entities: Stateful[] }>()
  const add = (meta: EntityMetadata, event: LifecycleEvent, entity: Stateful): void => {
    const key = `${meta.className}:${event}`
    const group = groups.get(key)
    if (group) group.entities.push(entity)
    else groups.set(key, { meta, event, entities: [entity] })
  }
  for (const entity of taken.inserts) add(entity[STATE].meta, 'insert', entity)
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    if (state.status !== MANAGED) return
    add(state.meta, eventOfChange(state.meta, taken.updatedSlots[i] as Set<number>, state.values), entity)
  })
  return [...groups.values()].map(({ meta, event, entities }) => ({
    meta,
    event,
    operation: 'flush',
    ids: entities.map((entity) => entity[STATE].values[0]),
    instances: entities,
  }))
}

/** A flip of the `isDeleted` flag is a soft delete or a restore, not an update (other changes ride along). */
function eventOfChange(meta: EntityMetadata, dirty: ReadonlySet<number>, values: readonly unknown[]): LifecycleEvent {
  const deletedAt = meta.deletedAtColumn
  if (!deletedAt || !dirty.has(deletedAt.index)) return 'update'
  return values[deletedAt.index] === undefined ? 'restore' : 'softDelete'
}
