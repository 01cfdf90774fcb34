import type { Connection } from '../dialect/dialect.js'
import { RestoreError } from '../errors/restore-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import type { RelationMetadata } from '../metadata/relation-metadata.js'
import { ParamList } from '../query/query-compiler.js'
import { DETACHED, STATE, type EntityState, type Stateful } from '../session/entity-state.js'
import { compileBeforeFlush, type Runtime } from '../session/runtime.js'
import { applyHardDelete, applySoftDeleteState } from '../session/applied-deletes.js'

/** What `purgeDeleted()` did: rows hard-deleted, and soft-deleted rows kept because dependents reference them. */
export interface PurgeResult {
  readonly purged: number
  readonly blocked: number
}

/**
 * The deleted_at a soft delete writes (a Date), or, for a cascade restore, the SQL of the value the
 * restored rows must carry; undefined restores any soft-deleted row.
 */
type Stamp = Date | ((params: ParamList) => string) | undefined

/** deleted_at is always at slot 3 of a soft-deletable class. */
const DELETED_AT = 3

/** @internal `instance.softDelete()`: the flag path plus a flush, or a cascade in one transaction. */
export async function softDeleteInstance(runtime: Runtime, entity: Stateful, options: { cascade?: boolean } | undefined): Promise<void> {
  const state = enterInstance(runtime, entity, 'softDelete')
  if (state.values[DELETED_AT] !== undefined) return
  if (!options?.cascade) {
    runtime.onWrite(entity, state, DELETED_AT, runtime.nextDeletionStamp())
    await runtime.flush()
    return
  }
  // The row must exist (a new instance is inserted) before its dependents can be found.
  await runtime.flush()
  const stamp = runtime.nextDeletionStamp(true)
  await inTransaction(runtime, async (connection) => {
    const ids = await setDeletedAt(runtime, connection, state.meta, 'softDelete', [state.values[0]], stamp)
    if (ids.length > 0) await cascade(runtime, connection, state.meta, ids, 'softDelete', stamp)
  })
}

/** @internal `instance.restore()`: checks the required parents, then restores the row (and its cascade). */
export async function restoreInstance(
  runtime: Runtime,
  entity: Stateful,
  options: { cascade?: boolean; withAncestors?: boolean } | undefined,
): Promise<void> {
  const state = enterInstance(runtime, entity, 'restore')
  if (state.values[DELETED_AT] === undefined) return
  await runtime.flush()
  await inTransaction(runtime, async (connection) => {
    const { meta } = state
    const id = state.values[0]
    await checkParents(runtime, connection, meta, id, describe(meta, id), options?.withAncestors ?? false)
    if (options?.cascade) {
      // The cascade's rows carry the root's deleted_at exactly as stored (a JavaScript Date would lose
      // PostgreSQL's microseconds), so they are matched against the root row before it is restored.
      const stamp = (params: ParamList): string =>
        `(SELECT ${runtime.dialect.quote((meta.deletedAtColumn as ColumnMetadata).name)} FROM ${runtime.dialect.quote(meta.tableName)} ` +
        `WHERE "id" = ${params.bind(runtime.dialect.encode(meta.idColumn.type, id))})`
      await cascade(runtime, connection, meta, [id], 'restore', stamp)
    }
    await setDeletedAt(runtime, connection, meta, 'restore', [id], undefined)
  })
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
  if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) {
    throw ValidationError.wrongType(`${meta.className}.purgeDeleted({ olderThan })`, 'a valid Date', olderThan)
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
    const ids = await updateDeletedAt(runtime, connection, meta, mode, condition, mode === 'softDelete' ? runtime.nextDeletionStamp() : undefined)
    return ids.length
  })
}

/** Soft-deletes (or restores) the rows with these ids that are live (or deleted at `stamp`). */
async function setDeletedAt(
  runtime: Runtime,
  connection: Connection,
  meta: EntityMetadata,
  mode: 'softDelete' | 'restore',
  ids: readonly unknown[],
  stamp: Stamp,
): Promise<unknown[]> {
  const encoded = ids.map((id) => runtime.dialect.encode(meta.idColumn.type, id))
  return updateDeletedAt(runtime, connection, meta, mode, (params) => runtime.dialect.inList('"id"', meta.idColumn.type, encoded, params.bind), stamp)
}

/**
 * One UPDATE of deleted_at over the rows matching `condition` that are live (soft delete) or soft-deleted
 * (restore; at exactly `stamp` when given). Identity-mapped instances follow. Returns the changed ids.
 */
async function updateDeletedAt(
  runtime: Runtime,
  connection: Connection,
  meta: EntityMetadata,
  mode: 'softDelete' | 'restore',
  buildCondition: (params: ParamList) => string,
  stamp: Stamp,
  extraConditions: readonly ((params: ParamList) => string)[] = [],
): Promise<unknown[]> {
  const { dialect } = runtime
  const deletedAt = dialect.quote((meta.deletedAtColumn as ColumnMetadata).name)
  // Parameters are bound in the order they appear in the text: SQLite's `?` are positional.
  const params = new ParamList(dialect)
  const set = mode === 'softDelete' ? `${deletedAt} = ${params.bind(dialect.encode('date', stamp))}` : `${deletedAt} = NULL`
  const condition = buildCondition(params)
  const conditions = condition ? [`(${condition})`] : []
  if (mode === 'softDelete') conditions.push(`${deletedAt} IS NULL`)
  else if (typeof stamp === 'function') conditions.push(`${deletedAt} = ${stamp(params)}`)
  else conditions.push(`${deletedAt} IS NOT NULL`)
  for (const extra of extraConditions) conditions.push(extra(params))
  const text = `UPDATE ${dialect.quote(meta.tableName)} SET ${set} WHERE ${conditions.join(' AND ')} RETURNING "id"`
  const rows = await connection.select(text, params.values, meta.needsSafeIntegers)
  const ids = rows.map((row) => dialect.decode(meta.idColumn.type, row[0]))
  applySoftDeleteState(runtime, runtime.currentWork(), meta, ids, mode === 'softDelete' ? (stamp as Date) : undefined)
  return ids
}

/**
 * Follows required relations down from the rows `ids` of `meta`: soft-deletes their live soft-deletable
 * dependents with `stamp`, or restores the ones deleted at exactly `stamp` (the ones that cascade hid).
 * Plain Entity dependents are left as they are, and so is what depends on them.
 */
async function cascade(
  runtime: Runtime,
  connection: Connection,
  meta: EntityMetadata,
  ids: readonly unknown[],
  mode: 'softDelete' | 'restore',
  stamp: Stamp,
): Promise<void> {
  const { dialect } = runtime
  const q = (name: string): string => dialect.quote(name)
  for (const [owner, relations] of runtime.graph.dependencyRelations(meta)) {
    if (!owner.deletedAtColumn) continue
    const condition = (params: ParamList): string => relations.map((relation) => referencesSql(runtime, relation, ids, params)).join(' OR ')
    // A restored row must not come back under a parent that stays hidden: one it reaches through
    // another required relation and that was soft-deleted on its own (with another deleted_at).
    const underLiveParents =
      mode === 'softDelete' || typeof stamp !== 'function'
        ? []
        : owner.relations
            .filter((relation) => relation.isDependency && relation.target.deletedAtColumn)
            .map((relation) => (params: ParamList): string => {
              const target = relation.target
              const parentDeletedAt = q((target.deletedAtColumn as ColumnMetadata).name)
              return (
                `${q((relation.column as ColumnMetadata).name)} NOT IN (SELECT "id" FROM ${q(target.tableName)} ` +
                `WHERE ${parentDeletedAt} IS NOT NULL AND ${parentDeletedAt} <> ${stamp(params)})`
              )
            })
    const changed = await updateDeletedAt(runtime, connection, owner, mode, condition, stamp, underLiveParents)
    if (changed.length > 0) await cascade(runtime, connection, owner, changed, mode, stamp)
  }
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
  const required = meta.relations.filter((relation) => relation.isDependency && relation.target.deletedAtColumn)
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
    const parentRow = describe(target, parentId)
    if (!withAncestors) throw RestoreError.parentDeleted(row, relation.path, parentRow)
    await checkParents(runtime, connection, target, parentId, parentRow, true)
    const encoded = [dialect.encode(target.idColumn.type, parentId)]
    await updateDeletedAt(runtime, connection, target, 'restore', (params) => dialect.inList('"id"', target.idColumn.type, encoded, params.bind), undefined)
  }
}

function referencesSql(runtime: Runtime, relation: RelationMetadata, ids: readonly unknown[], params: ParamList): string {
  const column = relation.column as ColumnMetadata
  const encoded = ids.map((id) => runtime.dialect.encode(column.type, id))
  return runtime.dialect.inList(runtime.dialect.quote(column.name), column.type, encoded, params.bind)
}

function describe(meta: EntityMetadata, id: unknown): string {
  return `${meta.className} #${String(id)}`
}

