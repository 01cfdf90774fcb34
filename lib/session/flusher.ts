import { RowsMissed, type Dialect, type WriteResult } from '../dialect/dialect.js'
import type { OrmError } from '../errors/orm-error.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { MANAGED, STATE, serializeMutable, setMembers, type Stateful } from '../state/entity-state.js'
import { explainFlushFailure, isExplainable } from './flush-failures.js'
import type { IdentityMap } from '../state/identity-map.js'
import { adoptOwnFields, type CollectionWrapper } from './own-fields.js'
import type { UnitOfWork } from './unit-of-work.js'
import { changesUpdatedAt } from '../soft-delete/updated-at-rule.js'
import { planWrites, type InsertOrder, type TakenWork, type WritePlan } from './write-planner.js'
import { loadedVersion } from './row-encoder.js'
import type { Happened, HookRunner } from '../hooks/hook-runner.js'
import { happenedInFlush, runBeforeFlushHooks } from '../hooks/flush-hooks.js'

/** @internal What a flush needs from the booted ORM. */
export interface FlushContext {
  readonly dialect: Dialect
  /** Ranks the classes for insertion: the dependents graph. */
  readonly graph: InsertOrder
  readonly identityMap: IdentityMap
  readonly wrapCollection: CollectionWrapper
  /** Lifecycle hooks and listeners: the flush's before and after phases. */
  readonly hooks: HookRunner
  toOrmError(error: unknown): OrmError
  /** Called with the rows a write of `work` soft-deleted (set deleted_at on), per class. */
  noteSoftDeleted(meta: EntityMetadata, ids: readonly unknown[], work: UnitOfWork): void
  /** Called once per class whose rows or junction tables a write of `work` changed. */
  noteWrite(meta: EntityMetadata, work: UnitOfWork): void
  /**
   * Called after a write that missed the rows of `missed` rolled back (their changes are pending again):
   * finds out why, detaches the instances whose rows are gone or changed, and returns the error to throw.
   */
  explainMissedRows(work: UnitOfWork, missed: readonly Stateful[]): Promise<OrmError>
}

/**
 * @internal Writes a unit of work's pending inserts and changes in one transaction. On failure
 * nothing is written and everything taken is put back, so the caller can fix it and flush again.
 * Flushes of one unit of work run one after another.
 */
export async function flushWork(context: FlushContext, work: UnitOfWork, isScheduled = false): Promise<void> {
  while (work.flushing) await work.flushing.catch(() => undefined)
  // Work that a failed flush handed back waits for the next change or call, never for the scheduled tick.
  if (isScheduled && work.isHeldBack) return
  detectInPlaceChanges(work)
  if (work.newEntities.size === 0 && work.dirtyEntities.size === 0) return
  const happened: Happened[] = []
  const running = runFlush(context, work, isScheduled, happened)
  work.flushing = running
  try {
    await running
  } finally {
    if (work.flushing === running) work.flushing = undefined
  }
  // Once the flush is over, so that an after-hook may read, write and flush this work again.
  if (happened.length > 0) await afterHooks(context.hooks, work, happened)
}

/** Before hooks, take, plan, write, apply; fills `happened` for the after-hooks when anyone listens. */
async function runFlush(context: FlushContext, work: UnitOfWork, isScheduled: boolean, happened: Happened[]): Promise<void> {
  // The one check that keeps a flush without hooks or listeners as fast as before.
  const hooks = context.hooks.isActive ? context.hooks : undefined
  if (hooks) await beforeHooks(hooks, work, isScheduled)
  const taken = takePending(work)
  const now = new Date()
  let plan: WritePlan | undefined
  let result: WriteResult
  try {
    for (const entity of taken.inserts) adoptOwnFields(entity, entity[STATE], context.wrapCollection)
    plan = planWrites(context.dialect, context.graph, taken, now)
    result = await work.connection.write(plan.ops)
  } catch (error) {
    if (error instanceof RowsMissed && plan) {
      // The missed instances are detached by the explanation; every other change goes back pending.
      putBack(work, taken, undefined)
      const ormError = await context.explainMissedRows(work, missedInstances(plan, error))
      if (isScheduled) work.backgroundError = ormError
      throw ormError
    }
    let ormError = context.toOrmError(error)
    // The write rolled back: a constraint violation is traced to the instances at fault before they go back.
    if (plan && isExplainable(ormError)) ormError = await explainFlushFailure(context.dialect, work.connection, taken, ormError)
    putBack(work, taken, isScheduled ? ormError : undefined)
    throw ormError
  }
  applyResults(context, work, taken, plan, result, now)
  if (hooks) happened.push(...happenedInFlush(taken))
}

/**
 * Before anything is taken: the before-hooks of every pending instance, so that what they change is
 * planned with the rest. A throw leaves the work pending (held back, as after any failed flush).
 */
async function beforeHooks(hooks: HookRunner, work: UnitOfWork, isScheduled: boolean): Promise<void> {
  try {
    await runBeforeFlushHooks(hooks, work, () => detectInPlaceChanges(work))
  } catch (error) {
    work.isHeldBack = true
    if (isScheduled) work.backgroundError = error as Error
    throw error
  }
}

/** Once the write committed: after-hooks and listeners now, or at the outermost commit inside a transaction. */
async function afterHooks(hooks: HookRunner, work: UnitOfWork, happened: readonly Happened[]): Promise<void> {
  await hooks.after(work, happened)
}

/** The instances whose rows a write missed. */
function missedInstances(plan: WritePlan, missed: RowsMissed): Stateful[] {
  const entities = plan.updatedBy.get(missed.op)
  if (!entities) throw new Error(`internal: write op ${missed.op} missed rows it inserted itself`)
  return missed.rows.map((row) => entities[row] as Stateful)
}

/** @internal Compares json/date objects that were handed out with their snapshots: in-place edits count. */
export function detectInPlaceChanges(work: UnitOfWork): void {
  if (work.suspects.size === 0) return
  for (const entity of work.suspects) {
    const state = entity[STATE]
    if (state.status !== MANAGED || !state.snapshots) continue
    for (const column of state.meta.mutableColumns) {
      const snapshot = state.snapshots[column.index]
      if (snapshot === undefined || state.dirty?.has(column.index)) continue
      if (serializeMutable(state.values[column.index]) !== snapshot) {
        ;(state.dirty ??= new Set()).add(column.index)
        state.owner ??= work
        state.owner.dirtyEntities.add(entity)
      }
    }
  }
  work.suspects.clear()
}

function takePending(work: UnitOfWork): TakenWork {
  const inserts = [...work.newEntities]
  const updates: Stateful[] = []
  const updatedSlots: Set<number>[] = []
  for (const entity of work.dirtyEntities) {
    const state = entity[STATE]
    const dirty = state.dirty
    state.dirty = undefined
    // A still-new instance changed while its insert was in flight: the insert carries its values.
    if (state.status !== MANAGED || !dirty) continue
    updates.push(entity)
    updatedSlots.push(dirty)
  }
  work.newEntities = new Set()
  work.dirtyEntities = new Set()
  // This flush now answers for the work: a stored error about it is superseded by its outcome.
  work.isHeldBack = false
  work.backgroundError = undefined
  return { inserts, updates, updatedSlots }
}

/**
 * Hands a failed flush's work back, held back from the scheduled flush until the next change or call.
 * A scheduled flush's error is stored for the next call (an explicit flush's went to its caller).
 */
function putBack(work: UnitOfWork, taken: TakenWork, backgroundError: OrmError | undefined): void {
  work.isHeldBack = true
  work.backgroundError = backgroundError
  // Taken inserts go back in front, in their original order, ahead of anything created since.
  work.newEntities = new Set([...taken.inserts, ...work.newEntities])
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    const slots = taken.updatedSlots[i] as Set<number>
    if (state.dirty) for (const slot of state.dirty) slots.add(slot)
    state.dirty = slots
    ;(state.owner ?? work).dirtyEntities.add(entity)
  })
}

/** After the write committed: ids, timestamps, members and the identity map catch up with the database. */
function applyResults(context: FlushContext, work: UnitOfWork, taken: TakenWork, plan: WritePlan, result: WriteResult, now: Date): void {
  plan.insertGroups.forEach(([meta, entities], op) => {
    const ids = result[op]
    const createdAt = meta.createdAtColumn.index
    const updatedAt = meta.updatedAtColumn.index
    const version = meta.versionColumn?.index
    const { identityMap } = context
    for (let row = 0; row < entities.length; row++) {
      const entity = entities[row] as Stateful
      const state = entity[STATE]
      const values = state.values
      if (ids) values[0] = ids[row]
      values[createdAt] = now
      values[updatedAt] = now
      if (version !== undefined) values[version] = 1
      state.status = MANAGED
      if (!state.dirty) state.owner = undefined
      identityMap.set(meta, values[0], entity)
    }
  })
  for (const entity of plan.versioned) {
    const state = entity[STATE]
    const column = state.meta.versionColumn as ColumnMetadata
    state.values[column.index] = loadedVersion(state, column) + 1
  }
  const softDeleted = new Map<EntityMetadata, unknown[]>()
  taken.updates.forEach((entity, i) => {
    const state = entity[STATE]
    const deletedAt = state.meta.deletedAtColumn
    if (deletedAt && taken.updatedSlots[i]?.has(deletedAt.index) && state.values[deletedAt.index] !== undefined) {
      const ids = softDeleted.get(state.meta)
      if (ids) ids.push(state.values[0])
      else softDeleted.set(state.meta, [state.values[0]])
    }
    if (changesUpdatedAt(state.meta, taken.updatedSlots[i] as Set<number>)) state.values[state.meta.updatedAtColumn.index] = now
    state.snapshots = undefined
    if (!state.dirty) state.owner = undefined
  })
  for (const { entity, slot, items } of plan.memberships) {
    setMembers(entity[STATE], slot, items)
  }
  for (const [meta, ids] of softDeleted) context.noteSoftDeleted(meta, ids, work)
  for (const meta of plan.touched) context.noteWrite(meta, work)
}
