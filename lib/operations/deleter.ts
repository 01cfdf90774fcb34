import type { Connection } from '../dialect/dialect.js'
import { DEPENDENTS_IN_ERROR, DependentsError, type DependentCounts, type DependentsDict } from '../errors/dependents-error.js'
import { ForeignKeyError } from '../errors/foreign-key-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { compileBeforeFlush } from '../query/compile-before-flush.js'
import { DeleteCompiler } from '../query/delete-compiler.js'
import { DETACHED, STATE, type Stateful } from '../state/entity-state.js'
import { applyHardDelete } from '../session/applied-deletes.js'
import { settleMiss } from '../session/stale-rows.js'
import { ConcurrencyError } from '../errors/concurrency-error.js'
import type { DeleteHost } from './operation-host.js'
import { readDependents } from './dependents-reader.js'
import { afterRows, beforeRows } from './hook-calls.js'
import { deleteUnreferenced } from './unreferenced-delete.js'
import type { LifecycleOperation } from '../hooks/lifecycle-events.js'
import { typedError } from '../hooks/hook-runner.js'

/** Per class, the relations through which its rows point at the rows being looked at. */
type RelationsByClass = ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>

/**
 * @internal The instances that depend on `entity` (a required relation points at it), with the props
 * that can, in MasqueradeORM's DependentsDict shape.
 */
export async function getDependents(host: DeleteHost, entity: Stateful, options?: { withDeleted?: boolean }): Promise<DependentsDict> {
  const meta = await enterInstance(host, entity)
  const id = entity[STATE].values[0]
  // Soft-deleted dependents still reference the row (and block its hard delete), so they are listed
  // unless the caller asks for live ones only.
  const visibility = options?.withDeleted === false ? 'live' : 'all'
  return host.afterFlush((connection) => readDependents(host, connection, meta, host.graph.dependencyRelations(meta), id, visibility))
}

/** @internal Every instance that references `entity` through any relation, in the same shape. */
export async function getReferencers(host: DeleteHost, entity: Stateful): Promise<DependentsDict> {
  const meta = await enterInstance(host, entity)
  const id = entity[STATE].values[0]
  return host.afterFlush((connection) => readDependents(host, connection, meta, host.graph.referenceRelations(meta), id, 'all'))
}

/**
 * @internal Hard-deletes one instance's row after checking, in the same statement or transaction, that
 * nothing depends on it; detaches the instance and clears in-memory references to it.
 */
export async function deleteInstance(host: DeleteHost, entity: Stateful): Promise<void> {
  const meta = await enterInstance(host, entity)
  const state = entity[STATE]
  const id = state.values[0]
  const statements = new DeleteCompiler(host.compiler)
  try {
    if (await deleteUnreferenced(host, statements, meta, id)) return
  } catch (error) {
    if (error instanceof ForeignKeyError) await explainForeignKeyFailure(host, statements, host.graph.dependencyRelations(meta), [id], meta.describeRow(id), error)
    throw error
  }
  const deleted = await deleteRows(host, statements, meta, () => meta.describeRow(id), async () => (state.status === DETACHED ? [] : [id]), 'delete')
  if (deleted > 0) return
  // Another delete() of this instance got there first (both started before either ended).
  if (state.status === DETACHED) throw host.detachedError(state)
  // Nobody here deleted the row: another connection or process did.
  settleMiss(host, host.currentWork(), entity, 'deleted')
  throw ConcurrencyError.missedInCall(meta.className, id, 'delete', 'deleted')
}

/**
 * @internal Hard-deletes every row matching `where`, or none of them if any has dependents.
 * Returns the number of rows deleted.
 */
export async function deleteWhere(host: DeleteHost, meta: EntityMetadata, options: { where?: object } | undefined): Promise<number> {
  host.enter()
  if (options?.where === undefined) {
    throw ValidationError.badOption(`${meta.className}.delete() needs { where }; pass { where: {} } to delete every row.`)
  }
  const where = options.where
  compileBeforeFlush(() => host.compiler.count(meta, where)) // checks the where before anything runs
  let label = ''
  const statements = new DeleteCompiler(host.compiler)
  const deleted = await deleteRows(host, statements, meta, () => label, async (connection) => {
    const query = statements.selectIdsWhere(meta, where)
    const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
    const ids = rows.map((row) => host.dialect.decode(meta.idColumn.type, row[0]))
    label = `${ids.length} ${meta.className} ${ids.length === 1 ? 'row' : 'rows'}`
    return ids
  }, 'bulkDelete')
  return deleted
}

async function enterInstance(host: DeleteHost, entity: Stateful): Promise<EntityMetadata> {
  host.enter()
  const state = entity[STATE]
  if (state.status === DETACHED || state.epoch !== host.epoch) throw host.detachedError(state)
  // A new instance gets its row (and id) first; pending decoupling counts too.
  await host.flush()
  // Deleted by another call while the flush ran.
  if ((state.status as number) === DETACHED) throw host.detachedError(state)
  return state.meta
}

/**
 * Selects the ids, refuses with a DependentsError if any row depends on them, deletes them, then
 * updates memory; all in one transaction. A dependent inserted by another process after the count
 * makes the DELETE fail on the RESTRICT foreign key (on PostgreSQL it waits for that insert to
 * commit first), which is reported as a DependentsError too: there is no window for an orphan, so
 * no row lock is taken.
 */
async function deleteRows(
  host: DeleteHost,
  statements: DeleteCompiler,
  meta: EntityMetadata,
  labelOf: () => string,
  selectIds: (connection: Connection) => Promise<unknown[]>,
  operation: LifecycleOperation,
): Promise<number> {
  const dependencies = host.graph.dependencyRelations(meta)
  let ids: unknown[] = []
  try {
    return await host.transaction(async () => {
      const work = host.currentWork()
      const connection = work.connection
      try {
        ids = await selectIds(connection)
        if (ids.length === 0) return 0
        await refuseIfDependents(host, statements, connection, dependencies, ids, labelOf())
        const hooked = await beforeRows(host, connection, meta, 'delete', ids)
        const query = statements.deleteByIds(meta, ids)
        const deleted = await connection.execute(query.text, query.params)
        if (deleted > 0) await afterRows(host, meta, 'delete', operation, ids, hooked)
        if (deleted > 0) applyHardDelete(host, work, meta, ids)
        return deleted
      } catch (error) {
        throw typedError(error, (cause) => host.toOrmError(cause))
      }
    })
  } catch (error) {
    // The RESTRICT constraint caught a dependent that appeared after the check (another process):
    // report it as what it is, with fresh counts.
    if (error instanceof ForeignKeyError && ids.length > 0) await explainForeignKeyFailure(host, statements, dependencies, ids, labelOf(), error)
    throw error
  }
}

/** A DELETE that a RESTRICT foreign key refused: a DependentsError with fresh counts, when dependents are what refused it. */
async function explainForeignKeyFailure(
  host: DeleteHost,
  statements: DeleteCompiler,
  dependencies: RelationsByClass,
  ids: readonly unknown[],
  label: string,
  error: ForeignKeyError,
): Promise<void> {
  await host.afterFlush((connection) => refuseIfDependents(host, statements, connection, dependencies, ids, label, error))
}

async function refuseIfDependents(
  host: DeleteHost,
  statements: DeleteCompiler,
  connection: Connection,
  dependencies: RelationsByClass,
  ids: readonly unknown[],
  label: string,
  cause?: unknown,
): Promise<void> {
  if (dependencies.size === 0) return
  const counts = await countDependents(statements, connection, dependencies, ids)
  if (Object.keys(counts).length === 0) return
  const dependents = await collect(host, statements, connection, dependencies, ids, DEPENDENTS_IN_ERROR)
  throw new DependentsError(label, counts, dependents, cause === undefined ? undefined : { cause })
}

/** One query per dependent class: how many of its rows point at the ids, per prop. */
async function countDependents(
  statements: DeleteCompiler,
  connection: Connection,
  dependencies: RelationsByClass,
  ids: readonly unknown[],
): Promise<DependentCounts> {
  const counts: DependentCounts = {}
  for (const [owner, relations] of dependencies) {
    const query = statements.countDependents(owner, relations, ids)
    const [row] = await connection.select(query.text, query.params, false)
    relations.forEach((relation, i) => {
      const n = Number(row?.[i] ?? 0)
      if (n > 0) (counts[owner.className] ??= {})[relation.property] = n
    })
  }
  return counts
}

/** The referencing instances per class (up to `limit` each), with the listed props loaded. */
async function collect(
  host: DeleteHost,
  statements: DeleteCompiler,
  connection: Connection,
  byClass: RelationsByClass,
  ids: readonly unknown[],
  limit: number | undefined,
  visibility: 'live' | 'all' = 'all',
): Promise<DependentsDict> {
  const dict: DependentsDict = {}
  for (const [owner, relations] of byClass) {
    const query = statements.selectReferencing(owner, relations, ids, limit, visibility)
    const rows = await connection.select(query.text, query.params, owner.needsSafeIntegers)
    if (rows.length === 0) continue
    const instances = host.hydrator.hydrate<Stateful>(owner, rows)
    const props = relations.map((relation) => relation.property)
    await host.loader.load(owner, instances, Object.fromEntries(props.map((prop) => [prop, true])), connection)
    dict[owner.className] = [instances, props]
  }
  return dict
}
