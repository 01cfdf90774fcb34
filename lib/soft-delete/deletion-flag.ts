import type { EntityState, Stateful } from '../state/entity-state.js'
import { auditNow, auditWrites } from './deletion-audit.js'

/** @internal What setting the soft-delete flag asks of the session: record or drop a pending change, and draw a stamp. */
export interface DeletionFlagHost {
  onWrite(entity: Stateful, state: EntityState, slot: number, value: unknown): void
  dropPendingChange(entity: Stateful, state: EntityState, slot: number, value: unknown): void
  nextDeletionStamp(forCascade?: boolean): Date
}

/** @internal The slot of deleted_at in an instance of a soft-deletable class (undefined for any other class). */
export function deletedAtSlot(state: EntityState): number | undefined {
  return state.meta.deletedAtColumn?.index
}

/** @internal Whether the instance is soft-deleted as this process knows it (a pending flag counts). */
export function isFlaggedDeleted(state: EntityState, slot: number): boolean {
  return state.values[slot] !== undefined
}

/**
 * @internal Sets an instance's soft-delete flag for the next flush: the one implementation behind
 * `isDeleted = true/false` and `softDelete()`/`restore()` without a cascade. Setting the state the row is
 * already in changes nothing; flipping a pending flag back drops the pending change.
 */
export function setDeletedFlag(
  host: DeletionFlagHost,
  entity: Stateful,
  state: EntityState,
  slot: number,
  isDeleted: boolean,
  reason?: string,
): void {
  if (isDeleted === isFlaggedDeleted(state, slot)) return
  const isPending = state.dirty?.has(slot) === true
  const before = state.deletedAtBeforeFlag
  if (isPending && before !== undefined && isDeleted === (before !== null)) {
    // Flipped back before a flush: no change at all. A soft-deleted row keeps its deletion time (a new
    // stamp would take it out of the cascade that hid it), and a live row is not "restored" again.
    dropPendingFlag(host, entity, state, slot)
    return
  }
  // Only an audited class has more to record; the others stay on the plain path (a bulk flag flip runs this per row).
  const isAudited = state.meta.deletedByColumn !== undefined
  if (!isPending) {
    state.deletedAtBeforeFlag = (state.values[slot] as Date | undefined) ?? null
    if (isAudited) auditBeforeFlag.set(state, auditWrites(state.meta, undefined).map(({ column }) => state.values[column.index]))
  }
  host.onWrite(entity, state, slot, isDeleted ? host.nextDeletionStamp() : undefined)
  if (!isAudited) return
  // An audited class records who soft-deleted it (the actor of this moment), and a restore clears it.
  for (const { column, value } of auditWrites(state.meta, isDeleted ? auditNow(reason) : undefined)) host.onWrite(entity, state, column.index, value)
}

/** The audit values an instance had before its pending flag change, to put back when the flag flips back. */
const auditBeforeFlag = new WeakMap<EntityState, unknown[]>()

/**
 * @internal Drops a pending flag change (and its audit values): the instance reads as its row is. A pending
 * soft delete that a cascade takes over is dropped this way.
 */
export function dropPendingFlag(host: DeletionFlagHost, entity: Stateful, state: EntityState, slot: number): void {
  if (state.dirty?.has(slot) !== true) return
  host.dropPendingChange(entity, state, slot, state.deletedAtBeforeFlag ?? undefined)
  const before = auditBeforeFlag.get(state)
  auditWrites(state.meta, undefined).forEach(({ column }, i) => {
    if (state.dirty?.has(column.index)) host.dropPendingChange(entity, state, column.index, before?.[i])
  })
}
