import type { Connection, Dialect, RawRow } from '../dialect/dialect.js'
import { ConcurrencyError } from '../errors/concurrency-error.js'
import { DetachedInstanceError } from '../errors/detached-instance-error.js'
import type { OrmError } from '../errors/orm-error.js'
import { RestoreError } from '../errors/restore-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { applyHardDelete } from './applied-deletes.js'
import type { Hydrator } from './hydrator.js'
import { DETACHED, MANAGED, NEW, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import { parentsThatMustBeLive } from '../soft-delete/visibility.js'
import type { QueryCompiler } from '../query/query-compiler.js'
import type { SoftDeleteMemoryHost } from '../soft-delete/soft-delete-memory.js'
import { Reference, isStateful } from '../state/reference.js'
import type { UnitOfWork } from './unit-of-work.js'
import { loadedVersion } from './row-encoder.js'

/** @internal What reading rows again and settling missed writes needs from the booted ORM. */
export interface StaleRowsHost extends SoftDeleteMemoryHost<UnitOfWork> {
  readonly epoch: number
  readonly dialect: Dialect
  readonly compiler: QueryCompiler
  readonly hydrator: Hydrator
  toOrmError(error: unknown): OrmError
  enter(): void
  detachedError(state: EntityState): DetachedInstanceError
  currentWork(): UnitOfWork
}

/** Why a write missed a row that is still there: `reload()` may bring the instance back. */
const CHANGED_BY_OTHERS = 'its row was changed by someone else; reload() it to read the row as it is now'

/** Why a write of an existing row missed it: the row is gone, or no longer as this process loaded it. */
export type MissReason = 'deleted' | 'changed'

/**
 * @internal After a flush that missed the rows of `missed` rolled back (their changes pending again), reads
 * them on the flush's connection: a row that is gone or changed (another version, another soft-delete state)
 * detaches its instance and makes a ConcurrencyError; a restore (`isDeleted = false`) under a parent that stays
 * soft-deleted makes a RestoreError and stays pending.
 */
export async function explainMissedRows(host: StaleRowsHost, work: UnitOfWork, missed: readonly Stateful[]): Promise<OrmError> {
  const stale: [Stateful, MissReason][] = []
  let restoreError: RestoreError | undefined
  try {
    // One read per class: a write can miss many rows (another process deleted them all).
    const rows = await readRows(host, work.connection, missed)
    for (const entity of missed) {
      const state = entity[STATE]
      const row = rows.get(entity)
      const reason = row ? await whyRestoreMissed(host, work.connection, state, row) : 'deleted'
      if (reason instanceof RestoreError) restoreError ??= reason
      else stale.push([entity, reason])
    }
  } catch (error) {
    return host.toOrmError(error)
  }
  for (const [entity, reason] of stale) settleMiss(host, work, entity, reason)
  const [first] = stale
  if (!first) return restoreError as RestoreError
  const state = first[0][STATE]
  return ConcurrencyError.missedInFlush(state.meta.className, state.values[0], first[1], stale.length, versionDetail(state))
}

/**
 * @internal Why a call's write (`softDelete()`, `restore()`) missed this instance's row, read on the call's
 * connection before its transaction ends.
 */
export async function whyMissed(host: StaleRowsHost, connection: Connection, entity: Stateful): Promise<MissReason> {
  const state = entity[STATE]
  return (await readRow(host, connection, state.meta, state.values[0])) ? 'changed' : 'deleted'
}

/**
 * @internal Memory catches up with a missed row: a deleted row detaches its instance as a hard delete does
 * (optional references to it cleared, it leaves to-many arrays); a changed one detaches it until `reload()`.
 * Journaled, so a rolled-back transaction puts the instance back.
 */
export function settleMiss(host: StaleRowsHost, work: UnitOfWork, entity: Stateful, reason: MissReason): void {
  const state = entity[STATE]
  if (state.status !== MANAGED) return
  if (reason === 'deleted') {
    applyHardDelete(host, work, state.meta, [state.values[0]])
    state.detachedBecause = 'its row was deleted by someone else'
    return
  }
  dropPendingChanges(host, work, entity, state)
  state.status = DETACHED
  state.detachedBecause = CHANGED_BY_OTHERS
  host.identityMap.delete(state.meta, state.values[0])
}

/**
 * @internal `instance.reload()`: reads the row again (soft-deleted or not), drops the instance's unflushed
 * changes and takes every column from the database, its version included; to-many relations load again on
 * next read. An instance detached by a ConcurrencyError for a changed row comes back. A row that is gone
 * detaches the instance and throws ConcurrencyError; a never-flushed instance throws ValidationError.
 */
export async function reloadInstance(host: StaleRowsHost, entity: Stateful): Promise<void> {
  host.enter()
  const state = entity[STATE]
  const { meta } = state
  if (state.status === NEW && state.epoch === host.epoch) {
    throw ValidationError.badOption(
      `${meta.className}.reload(): this ${meta.className} was never flushed, so it has no row to read. ` +
        'Flush it first (save() or ORM.flush()); its values are the ones you assigned.',
    )
  }
  const isStale = state.status === DETACHED && state.detachedBecause === CHANGED_BY_OTHERS
  if ((state.status === DETACHED && !isStale) || state.epoch !== host.epoch) throw host.detachedError(state)
  const work = host.currentWork()
  // A flush in flight may be writing this instance: its result applies first.
  while (work.flushing) await work.flushing.catch(() => undefined)
  const id = state.values[0]
  let rows: RawRow[]
  try {
    const query = host.compiler.selectById(meta, id, 'all')
    rows = await work.connection.select(query.text, query.params, meta.needsSafeIntegers)
  } catch (error) {
    throw host.toOrmError(error)
  }
  if (rows.length === 0) {
    settleMiss(host, work, entity, 'deleted')
    throw ConcurrencyError.reloadedVanished(meta.className, id)
  }
  const holder = host.identityMap.get(meta, id)
  if (isStale && holder && holder !== entity) {
    throw DetachedInstanceError.detached(meta.className, id, 'another instance was loaded for its row since: use that one')
  }
  dropPendingChanges(host, work, entity, state)
  state.snapshots = undefined
  state.members = undefined
  // Collections load again when next read: their unflushed changes are dropped with the rest.
  for (const relation of meta.collectionRelations) state.values[relation.slot] = undefined
  state.status = MANAGED
  state.detachedBecause = undefined
  host.identityMap.set(meta, id, entity)
  host.hydrator.hydrate(meta, rows)
}

/** The instance's unflushed changes are dropped (journaled first, so a rolled-back transaction brings them back). */
function dropPendingChanges(host: StaleRowsHost, work: UnitOfWork, entity: Stateful, state: EntityState): void {
  host.journal(work, entity, state)
  state.owner?.dirtyEntities.delete(entity)
  state.dirty = undefined
  state.owner = undefined
}

/** The rows of these instances as decoded column values (soft-deleted or not); a row that is gone has no entry. */
async function readRows(host: StaleRowsHost, connection: Connection, entities: readonly Stateful[]): Promise<Map<Stateful, unknown[]>> {
  const byClass = new Map<EntityMetadata, Map<unknown, Stateful>>()
  for (const entity of entities) {
    const state = entity[STATE]
    let ids = byClass.get(state.meta)
    if (!ids) byClass.set(state.meta, (ids = new Map()))
    ids.set(state.values[0], entity)
  }
  const found = new Map<Stateful, unknown[]>()
  for (const [meta, ids] of byClass) {
    const query = host.compiler.selectWhereIn(meta, meta.idColumn, [...ids.keys()], 'all')
    for (const raw of await connection.select(query.text, query.params, meta.needsSafeIntegers)) {
      const row = meta.columns.map((column) => host.dialect.decode(column.type, raw[column.index]))
      const entity = ids.get(row[0])
      if (entity) found.set(entity, row)
    }
  }
  return found
}

/** The row of this id as decoded column values (soft-deleted or not), or undefined when it is gone. */
async function readRow(host: StaleRowsHost, connection: Connection, meta: EntityMetadata, id: unknown): Promise<unknown[] | undefined> {
  const query = host.compiler.selectWhereIn(meta, meta.idColumn, [id], 'all')
  const [raw] = await connection.select(query.text, query.params, meta.needsSafeIntegers)
  return raw && meta.columns.map((column) => host.dialect.decode(column.type, raw[column.index]))
}

/**
 * A flush's update missed a row that is still there: a RestoreError when it was a restore and a required
 * parent is soft-deleted; otherwise the row changed (its version, or another process restored or deleted it).
 */
async function whyRestoreMissed(host: StaleRowsHost, connection: Connection, state: EntityState, row: unknown[]): Promise<MissReason | RestoreError> {
  const { meta } = state
  const version = meta.versionColumn
  if (version && (row[version.index] ?? 0) !== loadedVersion(state, version)) return 'changed'
  const deletedAt = meta.deletedAtColumn
  const isRestore = deletedAt !== undefined && state.dirty?.has(deletedAt.index) === true && state.values[deletedAt.index] === undefined
  if (!isRestore) return 'changed'
  for (const relation of parentsThatMustBeLive(meta)) {
    const target = relation.target
    const deletedAtColumn = target.deletedAtColumn as ColumnMetadata
    // The parent as the flush wrote it: the instance's reference (maybe reassigned in this flush) and the
    // parent instance's own state (maybe hidden in this flush) when it is in memory; the row otherwise.
    const reference = state.values[relation.slot]
    const parentId = isStateful(reference) ? reference[STATE].values[0] : reference instanceof Reference ? reference.id : row[relation.slot]
    const slot = deletedAtColumn.index
    const parent = (isStateful(reference) ? reference : host.identityMap.get(target, parentId)) as Stateful | undefined
    const isHiddenInMemory = parent !== undefined && parent[STATE].values[slot] !== undefined
    const isRestoredInFlush = parent !== undefined && !isHiddenInMemory && parent[STATE].dirty?.has(slot) === true
    const isHiddenInDatabase = (await readRow(host, connection, target, parentId))?.[slot] !== undefined
    if (isHiddenInMemory || (isHiddenInDatabase && !isRestoredInFlush)) {
      return RestoreError.parentDeletedInFlush(meta.describeRow(state.values[0]), relation.path, target.describeRow(parentId))
    }
  }
  return 'changed'
}

/** @internal For a versioned row: which version this process holds (the message says the row moved on). */
export function versionDetail(state: EntityState): string {
  const version = state.meta.versionColumn
  return version ? ` (this process holds version ${String(state.values[version.index])})` : ''
}
