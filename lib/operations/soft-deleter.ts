import { liveParentsSql, type Connection } from '../dialect/dialect.js'
import { ConcurrencyError } from '../errors/concurrency-error.js'
import { RestoreError } from '../errors/restore-error.js'
import { UniqueConstraintError } from '../errors/unique-constraint-error.js'
import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isWritableValue } from '../metadata/column-values.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { requiredSoftDeletableParents, type RelationMetadata } from '../metadata/relation-metadata.js'
import { ParamList } from '../query/query-compiler.js'
import { DETACHED, STATE, type EntityState, type Stateful } from '../state/entity-state.js'
import type { Runtime } from '../session/runtime.js'
import { compileBeforeFlush } from '../session/reader.js'
import { applyHardDelete } from '../session/applied-deletes.js'
import { applySoftDeleteState } from '../soft-delete/soft-delete-memory.js'
import { settleMiss, versionDetail, whyMissed } from '../session/stale-rows.js'
import { loadedVersion } from '../session/write-planner.js'

/** What `purgeDeleted()` did: rows hard-deleted, and soft-deleted rows kept because dependents reference them. */
export interface PurgeResult {
  readonly purged: number
  readonly blocked: number
}

/** deleted_at is always at slot 3 of a soft-deletable class. */
const DELETED_AT = 3

/** @internal `instance.softDelete()`: the flag path plus a flush, or a cascade in one transaction. */
export async function softDeleteInstance(runtime: Runtime, entity: Stateful, options: { cascade?: boolean } | undefined): Promise<void> {
  const state = enterInstance(runtime, entity, 'softDelete')
  if (!options?.cascade) {
    if (state.values[DELETED_AT] === undefined) runtime.onWrite(entity, state, DELETED_AT, runtime.nextDeletionStamp())
    await runtime.flush()
    return
  }
  // A soft delete still pending (isDeleted = true, not flushed) becomes this cascade.
  if (state.dirty?.has(DELETED_AT) && state.values[DELETED_AT] !== undefined) runtime.dropPendingChange(entity, state, DELETED_AT, undefined)
  // The row must exist (a new instance is inserted) before its dependents can be found.
  await runtime.flush()
  if (state.values[DELETED_AT] !== undefined) return
  const stamp = runtime.nextDeletionStamp(true)
  await settlingMiss(runtime, entity, () =>
    inTransaction(runtime, async (connection) => {
      const ids = await writeRoot(runtime, connection, entity, 'softDelete', stamp)
      await cascadeSoftDelete(runtime, connection, state.meta, ids, stamp)
    }),
  )
}

/**
 * @internal `instance.restore()`: checks the required parents, restores the row, then (with `cascade`)
 * the rows its cascade hid.
 */
export async function restoreInstance(
  runtime: Runtime,
  entity: Stateful,
  options: { cascade?: boolean; withAncestors?: boolean } | undefined,
): Promise<void> {
  const state = enterInstance(runtime, entity, 'restore')
  // Live, or restored by a pending isDeleted = false, which the flush writes.
  if (state.values[DELETED_AT] === undefined) return runtime.flush()
  const stamp = state.values[DELETED_AT] as Date
  await runtime.flush()
  const { meta } = state
  const id = state.values[0]
  try {
    await settlingMiss(runtime, entity, () =>
      inTransaction(runtime, async (connection) => {
        await checkParents(runtime, connection, meta, id, meta.describeRow(id), options?.withAncestors ?? false)
        await writeRoot(runtime, connection, entity, 'restore', undefined)
        // Only a cascade's deletion time is odd (see Runtime.nextDeletionStamp): another root has nothing to bring back.
        if (options?.cascade && stamp.getTime() % 2 === 1) await cascadeRestore(runtime, connection, meta, [id], stamp)
      }),
    )
  } catch (error) {
    throw error instanceof UniqueConstraintError ? UniqueConstraintError.inRestore(error, `restore ${meta.describeRow(id)}`) : error
  }
}

/**
 * The UPDATE of the instance's own row, which must hit it: soft-deleted (or live, for a restore) as this
 * process knows it, at the loaded version. A miss is a ConcurrencyError (see {@link settlingMiss}).
 */
async function writeRoot(runtime: Runtime, connection: Connection, entity: Stateful, mode: 'softDelete' | 'restore', stamp: Date | undefined): Promise<unknown[]> {
  const state = entity[STATE]
  const { meta } = state
  const id = state.values[0]
  const version = meta.versionColumn
  const condition = (params: ParamList): string => {
    const byId = runtime.compiler.inIds('"id"', meta.idColumn.type, [id], params)
    if (!version) return byId
    return `${byId} AND COALESCE(${runtime.dialect.quote(version.name)}, 0) = ${params.bind(runtime.dialect.encode('integer', loadedVersion(state, version)))}`
  }
  const ids = await updateDeletedAt(runtime, connection, meta, mode, condition, stamp)
  if (ids.length === 0) {
    const reason = await whyMissed(runtime, connection, entity)
    throw ConcurrencyError.missedInCall(meta.className, id, mode, reason, versionDetail(state))
  }
  return ids
}

/** Runs a call's transaction; once a ConcurrencyError about `entity` rolled it back, memory catches up (the instance is detached). */
async function settlingMiss(runtime: Runtime, entity: Stateful, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (error) {
    const state = entity[STATE]
    if (error instanceof ConcurrencyError && error.className === state.meta.className && error.id === state.values[0]) {
      settleMiss(runtime, runtime.currentWork(), entity, error.reason)
    }
    throw error
  }
}


/** @internal `Class.softDelete({ where })`: one UPDATE of the live rows that match. */
export async function softDeleteWhere(runtime: Runtime, ctor: object & { name: string }, options: { where?: object } | undefined): Promise<number> {
  return bulk(runtime, ctor, options, 'softDelete')
}

/** @internal `Class.restore({ where })`: one UPDATE of the soft-deleted rows that match. */
export async function restoreWhere(runtime: Runtime, ctor: object & { name: string }, options: { where?: object } | undefined): Promise<number> {
  return bulk(runtime, ctor, options, 'restore')
}

/** @internal `Class.purgeDeleted({ olderThan })`: hard-deletes old soft-deleted rows that nothing references. */
export async function purgeDeleted(runtime: Runtime, ctor: object & { name: string }, options: { olderThan?: Date } | undefined): Promise<PurgeResult> {
  runtime.enter()
  const meta = softDeletableMeta(runtime, ctor, 'purgeDeleted')
  const olderThan = options?.olderThan
  if (!isWritableValue('date', olderThan)) {
    throw ValidationError.wrongType(`${meta.className}.purgeDeleted({ olderThan })`, EXPECTED_VALUE.date, olderThan)
  }
  const { dialect } = runtime
  const q = (name: string): string => dialect.quote(name)
  const deletedAt = q((meta.deletedAtColumn as ColumnMetadata).name)
  return runtime.transaction(async () => {
    const work = runtime.currentWork()
    const params = new ParamList(dialect)
    const old = `${deletedAt} IS NOT NULL AND ${deletedAt} < ${params.bind(dialect.encode('date', olderThan))}`
    const free: string[] = []
    for (const [owner, relations] of runtime.graph.dependencyRelations(meta)) {
      for (const relation of relations) {
        const fk = q((relation.column as ColumnMetadata).name)
        free.push(`"id" NOT IN (SELECT ${fk} FROM ${q(owner.tableName)} WHERE ${fk} IS NOT NULL)`)
      }
    }
    const text = `DELETE FROM ${q(meta.tableName)} WHERE ${[old, ...free].join(' AND ')} RETURNING "id"`
    try {
      const rows = await work.connection.select(text, params.values, meta.needsSafeIntegers)
      const ids = rows.map((row) => dialect.decode(meta.idColumn.type, row[0]))
      applyHardDelete(runtime, work, meta, ids)
      const count = new ParamList(dialect)
      const remaining = await work.connection.select(
        `SELECT COUNT(*) FROM ${q(meta.tableName)} WHERE ${deletedAt} IS NOT NULL AND ${deletedAt} < ${count.bind(dialect.encode('date', olderThan))}`,
        count.values,
        false,
      )
      return { purged: ids.length, blocked: Number(remaining[0]?.[0] ?? 0) }
    } catch (error) {
      throw runtime.toOrmError(error)
    }
  })
}

/** Runs `fn` in a transaction on its connection; database errors come out typed. */
async function inTransaction(runtime: Runtime, fn: (connection: Connection) => Promise<void>): Promise<void> {
  await runtime.transaction(async () => {
    try {
      await fn(runtime.currentWork().connection)
    } catch (error) {
      throw runtime.toOrmError(error)
    }
  })
}

function enterInstance(runtime: Runtime, entity: Stateful, method: string): EntityState {
  runtime.enter()
  const state = entity[STATE]
  // A hard-deleted row is gone: neither soft delete nor restore can apply to it.
  if (state.status === DETACHED || state.epoch !== runtime.epoch) throw runtime.detachedError(state)
  if (!state.meta.deletedAtColumn) {
    throw ValidationError.badOption(`${state.meta.className}.${method}(): ${state.meta.className} does not extend SoftDel or SoftDelUuid.`)
  }
  return state
}

function softDeletableMeta(runtime: Runtime, ctor: object & { name: string }, method: string): EntityMetadata {
  const meta = runtime.metadataFor(ctor, ctor.name)
  if (!meta.deletedAtColumn) {
    throw ValidationError.badOption(`${meta.className}.${method}(): ${meta.className} does not extend SoftDel or SoftDelUuid.`)
  }
  return meta
}

async function bulk(runtime: Runtime, ctor: object & { name: string }, options: { where?: object } | undefined, mode: 'softDelete' | 'restore'): Promise<number> {
  runtime.enter()
  const meta = softDeletableMeta(runtime, ctor, mode)
  if (options?.where === undefined) {
    throw ValidationError.badOption(`${meta.className}.${mode}() needs { where }; pass { where: {} } for every row.`)
  }
  const where = options.where
  compileBeforeFlush(() => runtime.compiler.count(meta, where, 'all')) // checks the where before anything runs
  return runtime.afterFlush(async (connection) => {
    const condition = (params: ParamList): string => {
      const sql = runtime.compiler.whereSql(meta, where, params)
      if (params.hasUnsavedInstance) throw ValidationError.badOption(`The where of ${meta.className}.${mode}() names an instance that is not saved yet.`)
      return sql
    }
    // A bulk restore skips rows whose required parent stays soft-deleted (they must not come back under it).
    const guard = mode === 'restore' ? underLiveParents(runtime, meta) : []
    try {
      const ids = await updateDeletedAt(runtime, connection, meta, mode, condition, mode === 'softDelete' ? runtime.nextDeletionStamp() : undefined, guard)
      return ids.length
    } catch (error) {
      const typed = runtime.toOrmError(error)
      throw typed instanceof UniqueConstraintError && mode === 'restore' ? UniqueConstraintError.inRestore(typed, `restore the matching ${meta.className} rows`) : typed
    }
  })
}

/** Soft-deletes (with `stamp`) or restores the rows with these ids. */
async function setDeletedAt(
  runtime: Runtime,
  connection: Connection,
  meta: EntityMetadata,
  mode: 'softDelete' | 'restore',
  ids: readonly unknown[],
  stamp: Date | undefined,
): Promise<unknown[]> {
  return updateDeletedAt(runtime, connection, meta, mode, (params) => runtime.compiler.inIds('"id"', meta.idColumn.type, ids, params), stamp)
}

/**
 * One UPDATE of deleted_at over the rows matching `condition`: live rows get `stamp` (soft delete), or
 * soft-deleted rows are restored (those deleted within the millisecond of `stamp` when given: PostgreSQL
 * keeps microseconds that a JavaScript Date drops). Identity-mapped instances follow. Returns the ids.
 */
async function updateDeletedAt(
  runtime: Runtime,
  connection: Connection,
  meta: EntityMetadata,
  mode: 'softDelete' | 'restore',
  buildCondition: (params: ParamList) => string,
  stamp: Date | undefined,
  guard: readonly string[] = [],
): Promise<unknown[]> {
  const { dialect } = runtime
  const deletedAt = dialect.quote((meta.deletedAtColumn as ColumnMetadata).name)
  // Parameters are bound in the order they appear in the text: SQLite's `?` are positional.
  const params = new ParamList(dialect)
  let set = mode === 'softDelete' ? `${deletedAt} = ${params.bind(dialect.encode('date', stamp))}` : `${deletedAt} = NULL`
  // Every update of a versioned row increments its version, soft delete and restore included.
  const version = meta.versionColumn && dialect.quote(meta.versionColumn.name)
  if (version) set += `, ${version} = COALESCE(${version}, 0) + 1`
  const condition = buildCondition(params)
  const conditions = condition ? [`(${condition})`] : []
  if (mode === 'softDelete') conditions.push(`${deletedAt} IS NULL`)
  else if (stamp) {
    const from = params.bind(dialect.encode('date', stamp))
    const to = params.bind(dialect.encode('date', new Date(stamp.getTime() + 1)))
    conditions.push(`${deletedAt} >= ${from} AND ${deletedAt} < ${to}`)
  } else conditions.push(`${deletedAt} IS NOT NULL`)
  conditions.push(...guard)
  const text = `UPDATE ${dialect.quote(meta.tableName)} SET ${set} WHERE ${conditions.join(' AND ')} RETURNING "id"${version ? `, ${version}` : ''}`
  const rows = await connection.select(text, params.values, meta.needsSafeIntegers)
  const ids = rows.map((row) => dialect.decode(meta.idColumn.type, row[0]))
  applySoftDeleteState(runtime, runtime.currentWork(), meta, ids, mode === 'softDelete' ? stamp : undefined)
  if (meta.versionColumn) followVersions(runtime, meta, meta.versionColumn, ids, rows)
  return ids
}

/**
 * Instances in memory take the version this process's own update gave their row, when they held the one
 * before it; an instance that was already behind stays behind, so that its next write still conflicts.
 */
function followVersions(runtime: Runtime, meta: EntityMetadata, version: ColumnMetadata, ids: readonly unknown[], rows: readonly unknown[][]): void {
  ids.forEach((id, i) => {
    const entity = runtime.identityMap.get(meta, id) as Stateful | undefined
    const next = Number(rows[i]?.[1])
    if (entity && loadedVersion(entity[STATE], version) === next - 1) entity[STATE].values[version.index] = next
  })
}

/**
 * Soft-deletes, with `stamp`, the live soft-deletable rows that depend on the rows `ids` of `meta`
 * through required relations, and so on down. Rows already soft-deleted keep their own time but are
 * walked through, so that nothing below them stays visible. Plain Entity dependents, and what depends
 * on them, are left as they are.
 */
async function cascadeSoftDelete(runtime: Runtime, connection: Connection, meta: EntityMetadata, ids: readonly unknown[], stamp: Date): Promise<void> {
  const { dialect } = runtime
  for (const [owner, relations] of runtime.graph.dependencyRelations(meta)) {
    if (!owner.deletedAtColumn) continue
    const condition = (params: ParamList): string => relations.map((relation) => referencesSql(runtime, relation, ids, params)).join(' OR ')
    await updateDeletedAt(runtime, connection, owner, 'softDelete', condition, stamp)
    const params = new ParamList(dialect)
    const rows = await connection.select(
      `SELECT "id" FROM ${dialect.quote(owner.tableName)} WHERE ${condition(params)}`,
      params.values,
      owner.needsSafeIntegers,
    )
    const hidden = rows.map((row) => dialect.decode(owner.idColumn.type, row[0]))
    if (hidden.length > 0) await cascadeSoftDelete(runtime, connection, owner, hidden, stamp)
  }
}

/**
 * Restores, level by level below the restored rows `ids`, the rows deleted in the cascade's
 * millisecond whose every required soft-deletable parent is live by then: a row whose other parent
 * stays hidden stays hidden with it, and so does everything below it.
 */
async function cascadeRestore(runtime: Runtime, connection: Connection, meta: EntityMetadata, ids: readonly unknown[], stamp: Date): Promise<void> {
  for (const [owner, relations] of runtime.graph.dependencyRelations(meta)) {
    if (!owner.deletedAtColumn) continue
    const condition = (params: ParamList): string => relations.map((relation) => referencesSql(runtime, relation, ids, params)).join(' OR ')
    const restored = await updateDeletedAt(runtime, connection, owner, 'restore', condition, stamp, underLiveParents(runtime, owner))
    if (restored.length > 0) await cascadeRestore(runtime, connection, owner, restored, stamp)
  }
}

/** Conditions that every required parent of a row of `meta` that can be soft-deleted is live. */
function underLiveParents(runtime: Runtime, meta: EntityMetadata): string[] {
  return liveParentsSql(meta, (name) => runtime.dialect.quote(name))
}

/**
 * Refuses to restore a row whose required parent is soft-deleted, or restores that parent (and its own
 * parents) first when `withAncestors` is set.
 */
async function checkParents(
  runtime: Runtime,
  connection: Connection,
  meta: EntityMetadata,
  id: unknown,
  row: string,
  withAncestors: boolean,
): Promise<void> {
  const { dialect } = runtime
  const required = requiredSoftDeletableParents(meta)
  if (required.length === 0) return
  const params = new ParamList(dialect)
  const columns = required.map((relation) => dialect.quote((relation.column as ColumnMetadata).name)).join(', ')
  const [parentIds] = await connection.select(
    `SELECT ${columns} FROM ${dialect.quote(meta.tableName)} WHERE "id" = ${params.bind(dialect.encode(meta.idColumn.type, id))}`,
    params.values,
    meta.needsSafeIntegers,
  )
  for (let i = 0; i < required.length; i++) {
    const relation = required[i] as RelationMetadata
    const target = relation.target
    const parentId = dialect.decode(target.idColumn.type, parentIds?.[i])
    if (parentId === undefined) continue
    const lookup = new ParamList(dialect)
    const [parent] = await connection.select(
      `SELECT ${dialect.quote((target.deletedAtColumn as ColumnMetadata).name)} FROM ${dialect.quote(target.tableName)} ` +
        `WHERE "id" = ${lookup.bind(dialect.encode(target.idColumn.type, parentId))}`,
      lookup.values,
      false,
    )
    if (parent?.[0] === null || parent?.[0] === undefined) continue
    const parentRow = target.describeRow(parentId)
    if (!withAncestors) throw RestoreError.parentDeleted(row, relation.path, parentRow)
    await checkParents(runtime, connection, target, parentId, parentRow, true)
    await setDeletedAt(runtime, connection, target, 'restore', [parentId], undefined)
  }
}

function referencesSql(runtime: Runtime, relation: RelationMetadata, ids: readonly unknown[], params: ParamList): string {
  const column = relation.column as ColumnMetadata
  return runtime.compiler.inIds(runtime.dialect.quote(column.name), column.type, ids, params)
}

