import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { LifecycleEvent } from '../metadata/hook-decorators.js'
import { MANAGED, NEW, STATE, type Stateful } from '../state/entity-state.js'
import type { Happened, HookRunner } from './hook-runner.js'
import type { LifecycleOperation } from './lifecycle-events.js'

/**
 * Instances whose pending change a before-hook of an operation's event (soft delete, restore, delete) made:
 * the flush that writes it inside the operation writes it as part of that event, without update hooks.
 */
const ridingAlong = new WeakSet<Stateful>()

/** The instance call (`softDelete()`, `restore()`) whose flush writes an instance's flag flip, for listeners. */
const calledAs = new WeakMap<Stateful, LifecycleOperation>()

/**
 * @internal Writes, with `flush` (of the operation's transaction), what before-hooks changed on `instances`,
 * as part of their event: no update hook runs for those changes.
 */
export async function flushHookChanges(instances: readonly Stateful[], flush: () => Promise<void>): Promise<void> {
  const changed = instances.filter((entity) => entity[STATE].dirty !== undefined && !ridingAlong.has(entity))
  if (changed.length === 0) return
  for (const entity of changed) ridingAlong.add(entity)
  try {
    await flush()
  } finally {
    for (const entity of changed) ridingAlong.delete(entity)
  }
}

/** @internal Runs `flush` for the instance call `operation` on `entity`: listeners hear that operation for it, not 'flush'. */
export async function flushAs(entity: Stateful, operation: LifecycleOperation, flush: () => Promise<void>): Promise<void> {
  calledAs.set(entity, operation)
  try {
    await flush()
  } finally {
    calledAs.delete(entity)
  }
}

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
      if (ridingAlong.has(entity)) continue
      const state = entity[STATE]
      const event = state.status === NEW ? 'insert' : state.dirty && eventOfChange(state.meta, state.dirty, state.values)
      if (event) await hooks.before(state.meta, event, [entity])
    }
  }
}

/** @internal The after phase's input: what a committed flush did, per class and event, in write order. */
export function happenedInFlush(taken: WrittenWork): Happened[] {
  const groups = new Map<string, { meta: EntityMetadata; event: LifecycleEvent; operation: LifecycleOperation; entities: Stateful[] }>()
  const add = (meta: EntityMetadata, event: LifecycleEvent, entity: Stateful): void => {
    const operation = calledAs.get(entity) ?? 'flush'
    const key = `${meta.className}:${event}:${operation}`
    const group = groups.get(key)
    if (group) group.entities.push(entity)
    else groups.set(key, { meta, event, operation, entities: [entity] })
  }
  for (const entity of taken.inserts) add(entity[STATE].meta, 'insert', entity)
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    if (state.status !== MANAGED || ridingAlong.has(entity)) return
    add(state.meta, eventOfChange(state.meta, taken.updatedSlots[i] as Set<number>, state.values), entity)
  })
  return [...groups.values()].map(({ meta, event, operation, entities }) => ({
    meta,
    event,
    operation,
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
