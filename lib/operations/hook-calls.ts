import type { Connection } from '../dialect/dialect.js'
import type { LifecycleOperation } from '../hooks/lifecycle-events.js'
import { flushHookChanges } from '../hooks/flush-hooks.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { LifecycleEvent } from '../metadata/hook-decorators.js'
import type { CompiledQuery } from '../query/param-list.js'
import { STATE, type Stateful } from '../state/entity-state.js'
import type { OperationHost } from './operation-host.js'

/**
 * @internal The rows an operation is about to write, with the instances its after phase reports: the before
 * phase of an operation. Only a class that declares a hook for the event has its missing rows loaded (one
 * SELECT); for listeners alone, the instances are the ones already in memory.
 */
export interface HookedRows {
  readonly instances: readonly Stateful[]
}

/**
 * @internal A bulk form's `where` narrowed to the rows its before-hooks ran on: a row that another connection
 * makes match after the before phase (possible at read committed on PostgreSQL) is then left alone rather
 * than written without its hooks. The ids satisfied the caller's own id condition, so replacing it is an
 * intersection. Without hooks, `where` as it is.
 */
export function whereHooked(meta: EntityMetadata, where: object, hooked: HookedRows | undefined): object {
  return hooked ? { ...where, [meta.idColumn.property]: hookedIds(hooked) } : where
}

/** @internal The ids of the rows the before-hooks ran on (undefined: the class has no hook for the event). */
export function hookedIds(hooked: HookedRows | undefined): unknown[] | undefined {
  return hooked?.instances.map((instance) => instance[STATE].values[0])
}

/**
 * @internal Before an operation writes the rows `ids` of `meta`: runs the class's before-hooks on them
 * (loading the rows not in memory). Returns undefined when no hook and no listener wants the event,
 * which costs nothing more.
 */
export async function beforeRows(
  host: OperationHost,
  connection: Connection,
  meta: EntityMetadata,
  event: LifecycleEvent,
  ids: readonly unknown[],
): Promise<HookedRows | undefined> {
  const hooks = host.hooks
  if (!hooks.isActive || !hooks.wants(meta, event) || ids.length === 0) return undefined
  if (hooks.hasHooks(meta, event)) {
    const missing = ids.filter((id) => !host.identityMap.get(meta, id))
    if (missing.length > 0) await loadRows(host, connection, meta, host.compiler.selectWhereIn(meta, meta.idColumn, missing, 'all'))
  }
  const instances = inMemory(host, meta, ids)
  await runBefore(host, meta, event, instances)
  return { instances }
}

/**
 * @internal Before a bulk form (or a cascade step) writes the rows `query` selects (a full SELECT of `meta`
 * with the statement's own conditions, so that a row the statement skips runs no hook): loads them and
 * runs the before-hooks, only when the class declares a hook for the event (listeners alone load nothing).
 */
export async function beforeSelectedRows(
  host: OperationHost,
  connection: Connection,
  meta: EntityMetadata,
  event: LifecycleEvent,
  query: () => CompiledQuery,
): Promise<HookedRows | undefined> {
  const hooks = host.hooks
  if (!hooks.isActive || !hooks.hasHooks(meta, event)) return undefined
  const instances = await loadRows(host, connection, meta, query())
  await runBefore(host, meta, event, instances)
  return { instances }
}

/**
 * @internal Runs a bulk form's statements: inside a transaction when the class declares a hook for the
 * event (what its before-hooks change is then written before the commit, with the statement), otherwise
 * after a flush on the caller's connection, as one statement needs no more.
 */
export async function inBulkScope<R>(host: OperationHost, meta: EntityMetadata, event: LifecycleEvent, run: (connection: Connection) => Promise<R>): Promise<R> {
  if (!host.hooks.isActive || !host.hooks.hasHooks(meta, event)) return host.afterFlush(run)
  return host.transaction(() => run(host.currentWork().connection))
}

/**
 * The before-hooks. What they change on a row about to be hard-deleted is written now, before the DELETE
 * (for the other events, {@link afterRows} writes it after the statement, which matched the rows as they were).
 */
async function runBefore(host: OperationHost, meta: EntityMetadata, event: LifecycleEvent, instances: readonly Stateful[]): Promise<void> {
  await host.hooks.before(meta, event, instances)
  if (event === 'delete') await flushHookChanges(instances, () => host.flush())
}

/**
 * @internal After an operation wrote the rows `ids` (in its transaction, or as one statement): writes what
 * the before-hooks changed on the instances (a flush of the operation's transaction, as part of the event:
 * no update hook), then queues the after-hooks and listeners for the outermost commit, or runs them now
 * outside a transaction. Instances are those of the before phase whose rows were written, else the ones in memory.
 */
export async function afterRows(
  host: OperationHost,
  meta: EntityMetadata,
  event: LifecycleEvent,
  operation: LifecycleOperation,
  ids: readonly unknown[],
  hooked: HookedRows | undefined,
  isCascade = false,
): Promise<void> {
  const hooks = host.hooks
  // Written even when the statement hit nothing: the hooks ran, and what they did is not left pending.
  if (hooked) await flushHookChanges(hooked.instances, () => host.flush())
  if (!hooks.isActive || !hooks.wants(meta, event) || ids.length === 0) return
  const written = new Set(ids)
  const instances = hooked ? hooked.instances.filter((entity) => written.has(entity[STATE].values[0])) : inMemory(host, meta, ids)
  await hooks.after(host.currentWork(), [{ meta, event, operation, ids, instances, isCascade }])
}

async function loadRows(host: OperationHost, connection: Connection, meta: EntityMetadata, query: CompiledQuery): Promise<Stateful[]> {
  const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
  return host.hydrator.hydrate<Stateful>(meta, rows)
}

/** The instances in memory of the rows `ids`, in that order. */
function inMemory(host: OperationHost, meta: EntityMetadata, ids: readonly unknown[]): Stateful[] {
  return ids.flatMap((id) => (host.identityMap.get(meta, id) as Stateful | undefined) ?? [])
}
