import type { Connection, Dialect } from '../dialect/dialect.js'
import type { DetachedInstanceError } from '../errors/detached-instance-error.js'
import type { OrmError } from '../errors/orm-error.js'
import type { DependentsGraph } from '../graph/dependents-graph.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { QueryCompiler } from '../query/query-compiler.js'
import type { applyHardDelete, applySoftDeleteState } from '../session/applied-deletes.js'
import type { Hydrator } from '../session/hydrator.js'
import type { RelationLoader } from '../session/relation-loader.js'
import type { settleMiss, whyMissed } from '../session/stale-rows.js'
import type { UnitOfWork } from '../session/unit-of-work.js'
import type { EntityState, Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'

/**
 * What the memory side of deletes (detaching deleted instances, following soft deletes, settling a missed
 * row) asks of its host, read from those functions' own signatures, since they are handed the operation's
 * host as it is. While they still take the whole Runtime this is the Runtime; it narrows by itself as soon
 * as they declare narrow hosts of their own.
 */
type MemorySideHost = Parameters<typeof applyHardDelete>[0] &
  Parameters<typeof applySoftDeleteState>[0] &
  Parameters<typeof settleMiss>[0] &
  Parameters<typeof whyMissed>[0]

/**
 * @internal The slice of the runtime that the explicit write operations (outside the flush) use: entering a
 * call, flushing before it, running it in a transaction on the caller's connection, typing its errors.
 */
export interface OperationHost extends MemorySideHost {
  readonly epoch: number
  readonly dialect: Dialect
  readonly compiler: QueryCompiler
  readonly graph: DependentsGraph
  /** Rethrows a failed scheduled flush's error, at the start of every public call. */
  enter(): void
  flush(): Promise<void>
  afterFlush<R>(run: (connection: Connection) => Promise<R>): Promise<R>
  transaction<T>(fn: () => Promise<T> | T): Promise<T>
  currentWork(): UnitOfWork
  toOrmError(error: unknown): OrmError
  detachedError(state: EntityState): DetachedInstanceError
}

/** @internal What `delete()`, `Class.delete()` and `getDependents()` use: they also read the dependents as instances. */
export interface DeleteHost extends OperationHost {
  readonly hydrator: Hydrator
  readonly loader: RelationLoader
}

/** @internal What `softDelete()`, `restore()` and `purgeDeleted()` use: they also change instances and draw deletion stamps. */
export interface SoftDeleteHost extends OperationHost {
  readonly identityMap: IdentityMap
  metadataFor(ctor: object, name: string): EntityMetadata
  onWrite(entity: Stateful, state: EntityState, index: number, value: unknown): void
  dropPendingChange(entity: Stateful, state: EntityState, slot: number, value: unknown): void
  nextDeletionStamp(forCascade?: boolean): Date
}
