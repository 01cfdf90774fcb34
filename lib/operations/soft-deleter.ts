import type { Connection } from '../dialect/dialect.js'
import { ConcurrencyError } from '../errors/concurrency-error.js'
import { RestoreError } from '../errors/restore-error.js'
import { UniqueConstraintError } from '../errors/unique-constraint-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { parentsThatMustBeLive } from '../soft-delete/visibility.js'
import { DeletionClock } from '../soft-delete/deletion-clock.js'
import { deletedAtSlot, dropPendingFlag, isFlaggedDeleted, setDeletedFlag } from '../soft-delete/deletion-flag.js'
import { auditNow, checkReason, type DeletionAudit } from '../soft-delete/deletion-audit.js'
import { SoftDeleteCompiler, type DeletedAtChange } from '../query/soft-delete-compiler.js'
import { DETACHED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { settleMiss, versionDetail, whyMissed } from '../session/stale-rows.js'
import { loadedVersion } from '../session/row-encoder.js'
import { runDeletedAtUpdate } from './deleted-at-update.js'
import type { SoftDeleteHost } from './operation-host.js'
import { cascadeRestore, cascadeSoftDelete, tally, type CascadeCounts, type CascadeScope } from './soft-delete-cascade.js'
import { afterRows, beforeRows } from './hook-calls.js'
import { flushAs } from '../hooks/flush-hooks.js'
import { typedError } from '../hooks/hook-runner.js'

/**
 * @internal `instance.softDelete()`: the flag path plus a flush, or a cascade in one transaction, which
 * returns its counts per class.
 */
export async function softDeleteInstance(
  host: SoftDeleteHost,
  entity: Stateful,
  options: { cascade?: boolean; reason?: string } | undefined,
): Promise<CascadeCounts | undefined> {
  const state = enterInstance(host, entity, 'softDelete')
  const reason = checkReason(state.meta, 'softDelete', options?.reason)
  const slot = deletedAtSlot(state) as number
  if (!options?.cascade) {
    setDeletedFlag(host, entity, state, slot, true, reason)
    await flushAs(entity, 'softDelete', () => host.flush())
    return undefined
  }
  // A soft delete still pending (isDeleted = true, not flushed) becomes this cascade.
  if (isFlaggedDeleted(state, slot)) dropPendingFlag(host, entity, state, slot)
  // The row must exist (a new instance is inserted) before its dependents can be found.
  await host.flush()
  const counts: Record<string, number> = { [state.meta.className]: 0 }
  if (isFlaggedDeleted(state, slot)) return counts
  const stamp = host.nextDeletionStamp(true)
  const audit = auditNow(reason)
  const statements = new SoftDeleteCompiler(host.compiler)
  await settlingMiss(host, entity, () =>
    inTransaction(host, async (connection) => {
      const ids = await writeRoot(host, statements, connection, entity, 'softDelete', stamp, audit)
      tally(counts, state.meta, ids.length)
      await cascadeSoftDelete({ host, statements, connection, audit, counts }, state.meta, ids, stamp)
    }),
  )
  return counts
}

/**
 * @internal `instance.restore()`: checks the required parents, restores the row, then (with `cascade`)
 * the rows its cascade hid; with `cascade`, returns the rows restored per class (ancestors included).
 */
export async function restoreInstance(
  host: SoftDeleteHost,
  entity: Stateful,
  options: { cascade?: boolean; withAncestors?: boolean } | undefined,
): Promise<CascadeCounts | undefined> {
  const state = enterInstance(host, entity, 'restore')
  const slot = deletedAtSlot(state) as number
  const { meta } = state
  const counts: Record<string, number> = { [meta.className]: 0 }
  // Live, or restored by a pending isDeleted = false, which the flush writes.
  if (!isFlaggedDeleted(state, slot)) {
    if (state.dirty?.has(slot)) counts[meta.className] = 1
    await flushAs(entity, 'restore', () => host.flush())
    return options?.cascade ? counts : undefined
  }
  const stamp = state.values[slot] as Date
  await host.flush()
  const id = state.values[0]
  const statements = new SoftDeleteCompiler(host.compiler)
  try {
    await settlingMiss(host, entity, () =>
      inTransaction(host, async (connection) => {
        const scope = { host, statements, connection, counts }
        await checkParents(scope, meta, id, meta.describeRow(id), options?.withAncestors ?? false)
        tally(counts, meta, (await writeRoot(host, statements, connection, entity, 'restore', undefined)).length)
        // Only a cascade's rows carry a cascade stamp: another root has nothing to bring back.
        if (options?.cascade && DeletionClock.isCascadeStamp(stamp)) await cascadeRestore(scope, meta, [id], stamp)
      }),
    )
  } catch (error) {
    throw error instanceof UniqueConstraintError ? UniqueConstraintError.inRestore(error, `restore ${meta.describeRow(id)}`) : error
  }
  return options?.cascade ? counts : undefined
}

/**
 * The UPDATE of the instance's own row, which must hit it: soft-deleted (or live, for a restore) as this
 * process knows it, at the loaded version. A miss is a ConcurrencyError (see {@link settlingMiss}).
 */
async function writeRoot(
  host: SoftDeleteHost,
  statements: SoftDeleteCompiler,
  connection: Connection,
  entity: Stateful,
  mode: DeletedAtChange,
  stamp: Date | undefined,
  audit?: DeletionAudit,
): Promise<unknown[]> {
  const state = entity[STATE]
  const { meta } = state
  const id = state.values[0]
  const hooked = await beforeRows(host, connection, meta, mode, [id])
  // After the before-hooks: what they changed was written, at the next version.
  const version = meta.versionColumn && loadedVersion(state, meta.versionColumn)
  const query = statements.updateRow(meta, mode, id, version, stamp, audit)
  const ids = await runDeletedAtUpdate(host, connection, meta, query, mode === 'softDelete' ? stamp : undefined, audit)
  if (ids.length === 0) {
    const reason = await whyMissed(host, connection, entity)
    throw ConcurrencyError.missedInCall(meta.className, id, mode, reason, versionDetail(state))
  }
  await afterRows(host, meta, mode, mode, ids, hooked)
  return ids
}

/** Runs a call's transaction; once a ConcurrencyError about `entity` rolled it back, memory catches up (the instance is detached). */
async function settlingMiss(host: SoftDeleteHost, entity: Stateful, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (error) {
    const state = entity[STATE]
    if (error instanceof ConcurrencyError && error.className === state.meta.className && error.id === state.values[0]) {
      settleMiss(host, host.currentWork(), entity, error.reason)
    }
    throw error
  }
}

/** Runs `fn` in a transaction on its connection; database errors come out typed. */
async function inTransaction(host: SoftDeleteHost, fn: (connection: Connection) => Promise<void>): Promise<void> {
  await host.transaction(async () => {
    try {
      await fn(host.currentWork().connection)
    } catch (error) {
      throw typedError(error, (cause) => host.toOrmError(cause))
    }
  })
}

function enterInstance(host: SoftDeleteHost, entity: Stateful, method: string): EntityState {
  host.enter()
  const state = entity[STATE]
  // A hard-deleted row is gone: neither soft delete nor restore can apply to it.
  if (state.status === DETACHED || state.epoch !== host.epoch) throw host.detachedError(state)
  if (!state.meta.deletedAtColumn) {
    throw ValidationError.badOption(`${state.meta.className}.${method}(): ${state.meta.className} does not extend SoftDel or SoftDelUuid.`)
  }
  return state
}

/**
 * Refuses to restore a row whose required parent is soft-deleted, or restores that parent (and its own
 * parents) first when `withAncestors` is set.
 */
async function checkParents(scope: CascadeScope, meta: EntityMetadata, id: unknown, row: string, withAncestors: boolean): Promise<void> {
  const { host, statements, connection } = scope
  const required = parentsThatMustBeLive(meta)
  if (required.length === 0) return
  const references = statements.selectParentIds(meta, required, id)
  const [parentIds] = await connection.select(references.text, references.params, meta.needsSafeIntegers)
  for (let i = 0; i < required.length; i++) {
    const relation = required[i] as RelationMetadata
    const target = relation.target
    const parentId = host.dialect.decode(target.idColumn.type, parentIds?.[i])
    if (parentId === undefined) continue
    const lookup = statements.selectDeletedAt(target, parentId)
    const [parent] = await connection.select(lookup.text, lookup.params, false)
    if (parent?.[0] === null || parent?.[0] === undefined) continue
    const parentRow = target.describeRow(parentId)
    if (!withAncestors) throw RestoreError.parentDeleted(row, relation.path, parentRow)
    await checkParents(scope, target, parentId, parentRow, true)
    const hooked = await beforeRows(host, connection, target, 'restore', [parentId])
    const restored = await runDeletedAtUpdate(host, connection, target, statements.restoreByIds(target, [parentId]), undefined)
    tally(scope.counts, target, restored.length)
    await afterRows(host, target, 'restore', 'restore', restored, hooked, true)
  }
}
