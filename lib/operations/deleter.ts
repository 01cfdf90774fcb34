import type { Connection } from '../dialect/dialect.js'
import { DEPENDENTS_IN_ERROR, DependentsError, type DependentCounts, type DependentsDict } from '../errors/dependents-error.js'
import { ForeignKeyError } from '../errors/foreign-key-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { ColumnMetadata } from '../metadata/entity-metadata.js'
import type { JunctionMetadata, RelationMetadata } from '../metadata/relation-metadata.js'
import { ParamList } from '../query/query-compiler.js'
import { DETACHED, STATE, type Stateful } from '../state/entity-state.js'
import type { Runtime } from '../session/runtime.js'
import { compileBeforeFlush } from '../session/reader.js'
import { applyHardDelete } from '../session/applied-deletes.js'
import { settleMiss } from '../session/stale-rows.js'
import { ConcurrencyError } from '../errors/concurrency-error.js'

/** Per class, the relations through which its rows point at the rows being looked at. */
type RelationsByClass = ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>

/**
 * @internal The instances that depend on `entity` (a required relation points at it), with the props
 * that can, in MasqueradeORM's DependentsDict shape.
 */
export async function getDependents(runtime: Runtime, entity: Stateful, options?: { withDeleted?: boolean }): Promise<DependentsDict> {
  const meta = await enterInstance(runtime, entity)
  const ids = [entity[STATE].values[0]]
  // Soft-deleted dependents still reference the row (and block its hard delete), so they are listed
  // unless the caller asks for live ones only.
  const visibility = options?.withDeleted === false ? 'live' : 'all'
  return runtime.afterFlush((connection) => collect(runtime, connection, runtime.graph.dependencyRelations(meta), ids, undefined, visibility))
}

/** @internal Every instance that references `entity` through any relation, in the same shape. */
export async function getReferencers(runtime: Runtime, entity: Stateful): Promise<DependentsDict> {
  const meta = await enterInstance(runtime, entity)
  const ids = [entity[STATE].values[0]]
  return runtime.afterFlush((connection) => collect(runtime, connection, runtime.graph.referenceRelations(meta), ids, undefined))
}

/**
 * @internal Hard-deletes one instance's row after checking, in the same transaction, that nothing
 * depends on it; detaches the instance and clears in-memory references to it.
 */
export async function deleteInstance(runtime: Runtime, entity: Stateful): Promise<void> {
  const meta = await enterInstance(runtime, entity)
  const state = entity[STATE]
  const id = state.values[0]
  const deleted = await deleteRows(runtime, meta, () => meta.describeRow(id), async () => (state.status === DETACHED ? [] : [id]))
  if (deleted > 0) return
  // Another delete() of this instance got there first (both started before either ended).
  if (state.status === DETACHED) throw runtime.detachedError(state)
  // Nobody here deleted the row: another connection or process did.
  settleMiss(runtime, runtime.currentWork(), entity, 'deleted')
  throw ConcurrencyError.missedInCall(meta.className, id, 'delete', 'deleted')
}

/**
 * @internal Hard-deletes every row matching `where`, or none of them if any has dependents.
 * Returns the number of rows deleted.
 */
export async function deleteWhere(runtime: Runtime, meta: EntityMetadata, options: { where?: object } | undefined): Promise<number> {
  runtime.enter()
  if (options?.where === undefined) {
    throw ValidationError.badOption(`${meta.className}.delete() needs { where }; pass { where: {} } to delete every row.`)
  }
  const where = options.where
  compileBeforeFlush(() => runtime.compiler.count(meta, where)) // checks the where before anything runs
  let label = ''
  const deleted = await deleteRows(runtime, meta, () => label, async (connection) => {
    const params = new ParamList(runtime.dialect)
    const condition = runtime.compiler.whereSql(meta, where, params)
    // Still no id after the flush: the instance belongs to another transaction scope.
    if (params.hasUnsavedInstance) throw ValidationError.badOption(`The where of ${meta.className}.delete() names an instance that is not saved yet.`)
    const text =
      `SELECT "id" FROM ${runtime.dialect.quote(meta.tableName)}${condition ? ` WHERE ${condition}` : ''} ` +
      `ORDER BY "id"`
    const rows = await connection.select(text, params.values, meta.needsSafeIntegers)
    const ids = rows.map((row) => runtime.dialect.decode(meta.idColumn.type, row[0]))
    label = `${ids.length} ${meta.className} ${ids.length === 1 ? 'row' : 'rows'}`
    return ids
  })
  return deleted
}

async function enterInstance(runtime: Runtime, entity: Stateful): Promise<EntityMetadata> {
  runtime.enter()
  const state = entity[STATE]
  if (state.status === DETACHED || state.epoch !== runtime.epoch) throw runtime.detachedError(state)
  // A new instance gets its row (and id) first; pending decoupling counts too.
  await runtime.flush()
  // Deleted by another call while the flush ran.
  if ((state.status as number) === DETACHED) throw runtime.detachedError(state)
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
  runtime: Runtime,
  meta: EntityMetadata,
  labelOf: () => string,
  selectIds: (connection: Connection) => Promise<unknown[]>,
): Promise<number> {
  const dependencies = runtime.graph.dependencyRelations(meta)
  let ids: unknown[] = []
  try {
    return await runtime.transaction(async () => {
      const work = runtime.currentWork()
      const connection = work.connection
      try {
        ids = await selectIds(connection)
        if (ids.length === 0) return 0
        await refuseIfDependents(runtime, connection, dependencies, ids, labelOf())
        const params = new ParamList(runtime.dialect)
        const text = `DELETE FROM ${runtime.dialect.quote(meta.tableName)} WHERE ${runtime.compiler.inIds('"id"', meta.idColumn.type, ids, params)}`
        const deleted = await connection.execute(text, params.values)
        if (deleted > 0) applyHardDelete(runtime, work, meta, ids)
        return deleted
      } catch (error) {
        throw runtime.toOrmError(error)
      }
    })
  } catch (error) {
    // The RESTRICT constraint caught a dependent that appeared after the check (another process):
    // report it as what it is, with fresh counts.
    if (error instanceof ForeignKeyError && ids.length > 0) {
      await runtime.afterFlush((connection) => refuseIfDependents(runtime, connection, dependencies, ids, labelOf(), error))
    }
    throw error
  }
}

async function refuseIfDependents(
  runtime: Runtime,
  connection: Connection,
  dependencies: RelationsByClass,
  ids: readonly unknown[],
  label: string,
  cause?: unknown,
): Promise<void> {
  if (dependencies.size === 0) return
  const counts = await countDependents(runtime, connection, dependencies, ids)
  if (Object.keys(counts).length === 0) return
  const dependents = await collect(runtime, connection, dependencies, ids, DEPENDENTS_IN_ERROR)
  throw new DependentsError(label, counts, dependents, cause === undefined ? undefined : { cause })
}

/** One query per dependent class: how many of its rows point at the ids, per prop. */
async function countDependents(
  runtime: Runtime,
  connection: Connection,
  dependencies: RelationsByClass,
  ids: readonly unknown[],
): Promise<DependentCounts> {
  const counts: DependentCounts = {}
  for (const [owner, relations] of dependencies) {
    const params = new ParamList(runtime.dialect)
    const sums = relations.map((relation) => `SUM(CASE WHEN ${matchSql(runtime, relation, ids, params)} THEN 1 ELSE 0 END)`)
    const where = relations.map((relation) => matchSql(runtime, relation, ids, params)).join(' OR ')
    const text = `SELECT ${sums.join(', ')} FROM ${runtime.dialect.quote(owner.tableName)} WHERE ${where}`
    const [row] = await connection.select(text, params.values, false)
    relations.forEach((relation, i) => {
      const n = Number(row?.[i] ?? 0)
      if (n > 0) (counts[owner.className] ??= {})[relation.property] = n
    })
  }
  return counts
}

/** The referencing instances per class (up to `limit` each), with the listed props loaded. */
async function collect(
  runtime: Runtime,
  connection: Connection,
  byClass: RelationsByClass,
  ids: readonly unknown[],
  limit: number | undefined,
  visibility: 'live' | 'all' = 'all',
): Promise<DependentsDict> {
  const dict: DependentsDict = {}
  for (const [owner, relations] of byClass) {
    const params = new ParamList(runtime.dialect)
    let where = `(${relations.map((relation) => matchSql(runtime, relation, ids, params)).join(' OR ')})`
    if (visibility === 'live' && owner.deletedAtColumn) where += ` AND ${runtime.dialect.quote(owner.deletedAtColumn.name)} IS NULL`
    const text =
      `SELECT ${runtime.compiler.selectList(owner)} FROM ${runtime.dialect.quote(owner.tableName)} WHERE ${where} ORDER BY "id"` +
      (limit === undefined ? '' : ` LIMIT ${limit}`)
    const rows = await connection.select(text, params.values, owner.needsSafeIntegers)
    if (rows.length === 0) continue
    const instances = runtime.hydrator.hydrate<Stateful>(owner, rows)
    const props = relations.map((relation) => relation.property)
    await runtime.loader.load(owner, instances, Object.fromEntries(props.map((prop) => [prop, true])), connection)
    dict[owner.className] = [instances, props]
  }
  return dict
}

/** The condition "this row points at one of the ids through `relation`". */
function matchSql(runtime: Runtime, relation: RelationMetadata, ids: readonly unknown[], params: ParamList): string {
  const q = (name: string): string => runtime.dialect.quote(name)
  if (relation.kind === 'toOne') {
    const column = relation.column as ColumnMetadata
    return runtime.compiler.inIds(q(column.name), column.type, ids, params)
  }
  const junction = relation.junction as JunctionMetadata
  const targetColumn = { ...relation.target.idColumn, name: junction.targetColumn }
  return `"id" IN (SELECT ${q(junction.ownerColumn)} FROM ${q(junction.tableName)} WHERE ${runtime.compiler.inIds(q(junction.targetColumn), targetColumn.type, ids, params)})`
}
